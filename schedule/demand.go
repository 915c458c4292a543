package schedule

// Demand scaling: how the pool's jobs become a number of agents.
//
// A poller publishes, once a minute, each spoke's AgentsWanted: the jobs
// running on its agents plus its share of the jobs waiting in its pool. A
// step scaling policy of Application Auto Scaling (ExactCapacity) maps that
// value to a task count through DemandSteps; Application Auto Scaling then
// keeps the count between the scheduled floor and ceiling (the scalable
// target's min and max). The same steps drive the preview's simulation.

// MaxSteps is Application Auto Scaling's default quota of step adjustments
// per step scaling policy.
const MaxSteps = 20

// Step maps a metric value v with Lower <= v < Upper (no upper bound when
// Upper is 0 and Lower > 0, or for the last step) to Capacity agents.
type Step struct {
	Lower    int
	Upper    int // exclusive; 0 on the last step: no upper bound
	Capacity int
}

// DemandSteps returns at most MaxSteps steps covering every whole metric
// value from 0 up: a value v gets at least min(v, ceiling) agents and never
// more than ceiling. Up to 19 agents each value gets exactly its own
// number; above that the steps widen geometrically, and a value gets the top
// of its step: at a ceiling of 50 at most 17% more agents than wanted, at
// 200 at most 33% (docs/demand.md).
func DemandSteps(ceiling int) []Step {
	if ceiling < MaxSteps {
		steps := make([]Step, 0, ceiling+1)
		for v := 0; v < ceiling; v++ {
			steps = append(steps, Step{Lower: v, Upper: v + 1, Capacity: v})
		}
		return append(steps, Step{Lower: ceiling, Capacity: ceiling})
	}
	// The smallest growth whose MaxSteps-1 bounded steps reach the ceiling.
	for growth := 0.01; ; growth += 0.01 {
		bounds := []int{0}
		for len(bounds) < MaxSteps {
			b := bounds[len(bounds)-1]
			bounds = append(bounds, b+max(1, int(float64(b)*growth)))
		}
		if bounds[MaxSteps-1] < ceiling {
			continue
		}
		steps := make([]Step, 0, MaxSteps)
		for i := 0; i+1 < MaxSteps && bounds[i] < ceiling; i++ {
			upper := min(bounds[i+1], ceiling)
			steps = append(steps, Step{Lower: bounds[i], Upper: upper, Capacity: upper - 1})
		}
		return append(steps, Step{Lower: ceiling, Capacity: ceiling})
	}
}

// CapacityFor is the capacity the steps set for wanted agents.
func CapacityFor(steps []Step, wanted int) int {
	for _, s := range steps {
		if wanted >= s.Lower && (s.Upper == 0 || wanted < s.Upper) {
			return s.Capacity
		}
	}
	return 0 // below the first step: no demand
}
