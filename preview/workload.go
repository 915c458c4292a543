package preview

// The workload simulation: a week of jobs against a spoke's agents, by the
// schedule alone or following demand between the schedule's floor and
// ceiling, with the same scheduled actions and demand steps the stacks
// deploy.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/goccy/go-yaml"

	"hubspoke-cdk/schedule"
)

// Workload is a week of job arrivals in the spoke's local time.
type Workload struct {
	Name string `yaml:"name"`
	// Weekday and Weekend are jobs arriving per hour, for each local hour
	// 0-23 (Monday to Friday; Saturday and Sunday).
	Weekday []float64 `yaml:"weekday"`
	Weekend []float64 `yaml:"weekend"`
	// JobMinutes are job durations; each job takes one of them, chosen
	// uniformly at random.
	JobMinutes []float64 `yaml:"jobMinutes"`
}

// ReferenceWorkload stands for a busy team: business-hours peaks (a morning
// and an afternoon peak, a lunch dip), a nightly batch at 02:00, quiet
// weekends; most jobs a few minutes, some long.
func ReferenceWorkload() Workload {
	return Workload{
		Name: "reference (busy team)",
		Weekday: []float64{
			0, 0, 12, 0, 0, 0, 1, 4, // 02:00 nightly batch
			14, 20, 18, 12, 8, 12, 18, 20, // peaks at 09-10 and 14-15
			16, 10, 6, 3, 2, 1, 1, 0,
		},
		Weekend:    []float64{0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		JobMinutes: []float64{3, 4, 5, 6, 8, 8, 10, 12, 15, 20, 25, 40},
	}
}

// LoadWorkload reads a workload file (YAML with the fields of Workload).
func LoadWorkload(path string) (Workload, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Workload{}, err
	}
	var w Workload
	if err := yaml.UnmarshalWithOptions(b, &w, yaml.Strict()); err != nil {
		return Workload{}, fmt.Errorf("%s: %w", path, err)
	}
	if w.Name == "" {
		w.Name = path
	}
	return w, w.check(path)
}

func (w Workload) check(where string) error {
	if len(w.Weekday) != 24 || len(w.Weekend) != 24 {
		return fmt.Errorf("%s: weekday and weekend need 24 hourly arrival rates each (got %d and %d)", where, len(w.Weekday), len(w.Weekend))
	}
	for _, r := range append(slices.Clone(w.Weekday), w.Weekend...) {
		if r < 0 || math.IsNaN(r) {
			return fmt.Errorf("%s: arrival rate %g: use jobs per hour, 0 or more", where, r)
		}
	}
	if len(w.JobMinutes) == 0 {
		return fmt.Errorf("%s: jobMinutes: list at least one job duration in minutes", where)
	}
	for _, d := range w.JobMinutes {
		if d <= 0 {
			return fmt.Errorf("%s: job duration %g: use minutes above 0", where, d)
		}
	}
	return nil
}

// Job is one job: when it was queued and how long it runs.
type Job struct {
	Queued   time.Time
	Duration time.Duration
}

// Jobs draws the week's jobs (a Poisson process per local hour) from seed:
// the same seed, the same jobs.
func (w Workload) Jobs(start time.Time, seed uint64) []Job {
	rng := rand.New(rand.NewPCG(seed, 0x6875627370)) // "hubsp"
	var jobs []Job
	for h := start; h.Before(start.AddDate(0, 0, 7)); h = h.Add(time.Hour) {
		rates := w.Weekday
		if wd := h.Weekday(); wd == time.Saturday || wd == time.Sunday {
			rates = w.Weekend
		}
		rate := rates[h.Hour()]
		for t := h; rate > 0; {
			t = t.Add(time.Duration(rng.ExpFloat64() / rate * float64(time.Hour)))
			if !t.Before(h.Add(time.Hour)) {
				break
			}
			d := w.JobMinutes[rng.IntN(len(w.JobMinutes))]
			jobs = append(jobs, Job{Queued: t, Duration: time.Duration(d * float64(time.Minute))})
		}
	}
	return jobs
}

// WorkloadParams are the simulation's assumptions (docs/demand.md).
type WorkloadParams struct {
	// StartLatency is from a task being asked for to its agent taking
	// jobs: Fargate provisioning, image pull, agent registration.
	// Default: DefaultStartLatency.
	StartLatency time.Duration
	// ScaleInCooldown: demand removes agents only this long after the last
	// scaling activity. Default: 5 minutes (the stacks' default).
	ScaleInCooldown time.Duration
	// MaxJobMinutes is the task protection's expiry: a longer job can be
	// stopped by a scale-in. Default: 120.
	MaxJobMinutes int
	// Seed of the job arrivals. Default: 1.
	Seed uint64
}

// DefaultStartLatency: Fargate tasks take one to three minutes from
// provisioning to running, by image size (AWS's "Optimize Amazon ECS task
// launch time" lists the stages); the agent image is large (~1 GB
// unpacked) and its registration takes a few seconds more.
const DefaultStartLatency = 2 * time.Minute

// MetricDelay is from the poller's count to the scaling action: the
// one-minute metric period closes and the alarm invokes the policy.
const MetricDelay = time.Minute

// WorkloadResult is one simulated week of one spoke in one mode.
type WorkloadResult struct {
	Spoke  string
	Demand bool // following demand (else the schedule alone)
	Jobs   int
	// WaitP50 and WaitP95 are from queued to picked up; Unserved jobs
	// waited past the simulation's end and count as the longest waits.
	WaitP50, WaitP95, WaitMax time.Duration
	Unserved                  int
	AgentHours                float64
	MonthlyCost               float64
	// JobsCut are jobs whose agent was stopped under them by a scale-in
	// (only once their protection expired).
	JobsCut int
	// TasksStarted in the week: each pulls the image and reads the token.
	TasksStarted int
	// Samples every 5 minutes: queue, agents, floor, ceiling.
	Samples []Sample
	// Waits of every job, shortest first.
	Waits []time.Duration
}

// Sample is the state at one moment of the week.
type Sample struct {
	At                             time.Time
	Queued, Agents, Floor, Ceiling int
}

type agent struct {
	ready, since time.Time // takes jobs from ready; exists since
	busyUntil    time.Time // zero: idle
	jobStart     time.Time
}

const tick = 10 * time.Second

// SimulateWorkload runs the jobs against sp's week starting at start
// (Monday 00:00 in the spoke's zone). With sp.Week.Demand the agents follow
// the jobs between floor and ceiling; without, the count is the schedule's.
func SimulateWorkload(sp Spoke, jobs []Job, start time.Time, p WorkloadParams) (WorkloadResult, error) {
	p = p.withDefaults()
	end := start.AddDate(0, 0, 7)
	events, err := actionEvents(sp, start.AddDate(0, 0, -7), end.AddDate(0, 0, 2))
	if err != nil {
		return WorkloadResult{}, err
	}
	var steps []schedule.Step
	if sp.Week.Demand != nil {
		steps = schedule.DemandSteps(sp.Week.MaxCapacity())
	}
	// The bounds in force at start: the last action before it.
	floor, ceiling, next := 0, 0, 0
	for next < len(events) && !events[next].at.After(start) {
		floor, ceiling = events[next].capacity, events[next].ceiling
		next++
	}
	res := WorkloadResult{Spoke: sp.Name, Demand: steps != nil, Jobs: len(jobs)}
	desired := floor
	var agents []*agent
	var lastScaling time.Time
	type pending struct {
		at     time.Time
		wanted int
	}
	var polls []pending
	queue := slices.Clone(jobs)
	sort.Slice(queue, func(i, j int) bool { return queue[i].Queued.Before(queue[j].Queued) })
	var waits []time.Duration
	queued := 0 // jobs of queue that have arrived
	stopTime := end.Add(24 * time.Hour)
	for now := start; now.Before(stopTime); now = now.Add(tick) {
		// Scheduled actions: min and max now; the count moves into them.
		for next < len(events) && !events[next].at.After(now) {
			floor, ceiling = events[next].capacity, events[next].ceiling
			next++
			desired = min(max(desired, floor), ceiling)
			if steps == nil {
				desired = floor
			}
		}
		for queued < len(queue) && !queue[queued].Queued.After(now) {
			queued++
		}
		// Jobs end, and with them their agents (each agent runs one job and
		// exits: ECS starts a new task in its place when the count allows).
		agents = slices.DeleteFunc(agents, func(a *agent) bool {
			done := !a.busyUntil.IsZero() && !a.busyUntil.After(now)
			if done {
				res.AgentHours += hoursWithin(a.since, now, start, end)
			}
			return done
		})
		busy := 0
		for _, a := range agents {
			if !a.busyUntil.IsZero() {
				busy++
			}
		}
		// Demand: a poll each minute; its scaling action a minute later.
		if steps != nil {
			if now.Sub(start)%time.Minute == 0 {
				polls = append(polls, pending{now.Add(MetricDelay), busy + queued - len(waits)})
			}
			for len(polls) > 0 && !polls[0].at.After(now) {
				want := min(max(schedule.CapacityFor(steps, polls[0].wanted), floor), ceiling)
				polls = polls[1:]
				switch {
				case want > desired:
					desired, lastScaling = want, now
				case want < desired && now.Sub(lastScaling) >= p.ScaleInCooldown:
					desired, lastScaling = want, now
				}
			}
		}
		// ECS: start tasks up to desired; above it stop unprotected tasks
		// (starting or idle first; a busy one only once its job's
		// protection expired: that job is cut).
		for len(agents) < desired {
			agents = append(agents, &agent{ready: now.Add(p.StartLatency), since: now})
			if now.Before(end) {
				res.TasksStarted++
			}
		}
		for surplus := len(agents) - desired; surplus > 0; surplus-- {
			i := slices.IndexFunc(agents, func(a *agent) bool { return a.busyUntil.IsZero() })
			if i < 0 {
				i = slices.IndexFunc(agents, func(a *agent) bool {
					return now.Sub(a.jobStart) >= time.Duration(p.MaxJobMinutes)*time.Minute
				})
				if i < 0 {
					break // the rest are protected: they stop when their jobs end
				}
				res.JobsCut++
			}
			res.AgentHours += hoursWithin(agents[i].since, now, start, end)
			agents = slices.Delete(agents, i, i+1)
		}
		// Idle, ready agents pick up waiting jobs in queue order.
		for _, a := range agents {
			if len(waits) >= queued {
				break
			}
			if a.busyUntil.IsZero() && !a.ready.After(now) {
				j := queue[len(waits)]
				waits = append(waits, now.Sub(j.Queued))
				a.busyUntil, a.jobStart = now.Add(j.Duration), now
			}
		}
		if now.Before(end) && now.Sub(start)%(5*time.Minute) == 0 {
			res.Samples = append(res.Samples, Sample{At: now, Queued: queued - len(waits), Agents: len(agents), Floor: floor, Ceiling: ceiling})
		}
	}
	for _, a := range agents {
		res.AgentHours += hoursWithin(a.since, stopTime, start, end)
	}
	for i := len(waits); i < len(queue); i++ {
		res.Unserved++
		waits = append(waits, stopTime.Sub(queue[i].Queued))
	}
	slices.Sort(waits)
	res.Waits = waits
	res.WaitP50, res.WaitP95 = percentile(waits, 0.50), percentile(waits, 0.95)
	if len(waits) > 0 {
		res.WaitMax = waits[len(waits)-1]
	}
	res.MonthlyCost = CostOf(sp, res.AgentHours).Monthly
	return res, nil
}

func (p WorkloadParams) withDefaults() WorkloadParams {
	if p.StartLatency == 0 {
		p.StartLatency = DefaultStartLatency
	}
	if p.ScaleInCooldown == 0 {
		p.ScaleInCooldown = 5 * time.Minute
	}
	if p.MaxJobMinutes == 0 {
		p.MaxJobMinutes = 120
	}
	if p.Seed == 0 {
		p.Seed = 1
	}
	return p
}

// hoursWithin is the part of [from, to) inside [start, end), in hours.
func hoursWithin(from, to, start, end time.Time) float64 {
	from, to = maxTime(from, start), minTime(to, end)
	if !to.After(from) {
		return 0
	}
	return to.Sub(from).Hours()
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}
