package preview

import (
	"fmt"
	"math"
)

// Price is the Fargate on-demand price, Linux/x86, in USD.
type Price struct {
	VCPUHour float64
	GBHour   float64
}

// PricesAsOf is when the table below was taken from the AWS Fargate pricing
// page (https://aws.amazon.com/fargate/pricing/, Linux/x86, on-demand); it
// was not re-checked when this code was written (no network). us-east-1's
// pair is also quoted by third parties (vantage.sh/blog/fargate-pricing:
// $0.04048 per vCPU-hour, $0.004445 per GB-hour).
const PricesAsOf = "2025-01"

// prices by region, Linux/x86 on-demand (USD per vCPU-hour and per GB-hour).
// A region missing here has no price: the preview says so rather than
// borrow another region's.
var prices = map[string]Price{
	"us-east-1":      {0.04048, 0.004445},
	"us-east-2":      {0.04048, 0.004445},
	"us-west-1":      {0.04656, 0.00511},
	"us-west-2":      {0.04048, 0.004445},
	"ca-central-1":   {0.04456, 0.004865},
	"eu-west-1":      {0.04048, 0.004445},
	"eu-west-2":      {0.04656, 0.00511},
	"eu-west-3":      {0.04656, 0.00511},
	"eu-central-1":   {0.04656, 0.00511},
	"eu-north-1":     {0.04445, 0.004865},
	"ap-southeast-1": {0.05056, 0.00553},
	"ap-southeast-2": {0.04856, 0.00532},
	"ap-northeast-1": {0.05056, 0.00553},
	"ap-south-1":     {0.04256, 0.00465},
	"sa-east-1":      {0.0696, 0.0076},
}

// Cost is a spoke's estimated monthly Fargate cost.
type Cost struct {
	// Priced is false when the spoke's region is not in the price table:
	// then every amount is NaN (never a silent $0 or another region's
	// price) and the reports print "no price".
	Priced     bool
	Region     string
	Price      Price
	HourlyTask float64 // one task for one hour
	Monthly    float64 // the schedule's agent-hours
	AlwaysOn   float64 // the weekday capacity around the clock
}

// WeeksPerMonth is 365/12/7.
const WeeksPerMonth = 365.0 / 12 / 7

// CostOf prices agentHours per week of sp's task size.
func CostOf(sp Spoke, agentHours float64) Cost {
	p, ok := prices[sp.Region]
	if !ok {
		nan := math.NaN()
		return Cost{Region: sp.Region, HourlyTask: nan, Monthly: nan, AlwaysOn: nan}
	}
	hourly := p.VCPUHour*float64(sp.CPU)/1024 + p.GBHour*float64(sp.MemoryMiB)/1024
	return Cost{
		Priced:     true,
		Region:     sp.Region,
		Price:      p,
		HourlyTask: hourly,
		Monthly:    agentHours * WeeksPerMonth * hourly,
		AlwaysOn:   float64(sp.Week.Weekday) * 168 * WeeksPerMonth * hourly,
	}
}

// usd prints an amount, or "no price" for NaN (a region without a price).
func usd(v float64) string {
	if math.IsNaN(v) {
		return "no price"
	}
	return fmt.Sprintf("%.2f", v)
}
