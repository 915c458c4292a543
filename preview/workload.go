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
	// Default: DefaultStartLatency. Start, when set, replaces it.
	StartLatency time.Duration
	// Start, when set (Max above 0), draws each task's start from a
	// distribution between Min and Max with median Median (StartDist).
	Start StartDist
	// Standby idle agents kept above the busy ones, per window, between
	// the floor and the ceiling (following demand only). Default: the
	// spoke's own (its week's Demand.Standby, from the fleet file).
	Standby *Standby
	// Ready, when set, is the agents kept ready in each hour of the week
	// (the spoke's clock; schedule.AutoReady): the poll asks for at least
	// the count of the hour that begins schedule.AutoLead ahead. Default:
	// none (SimulateWeeks sets it for a spoke with automatic standby).
	Ready *[schedule.HoursOfWeek]int
	// Placeholder: the pool always holds an offline agent that keeps jobs
	// queued (issue 18's fix); without it a job queued when no agent is
	// registered in the pool is rejected at once.
	Placeholder bool
	// ScaleInCooldown: demand removes agents only this long after the last
	// scaling activity. Default: 5 minutes (the stacks' default).
	ScaleInCooldown time.Duration
	// MaxJobMinutes is the task protection's expiry: a longer job can be
	// stopped by a scale-in. Default: 120.
	MaxJobMinutes int
	// Seed of the job arrivals (and of the start draws). Default: 1.
	Seed uint64
}

// StartDist is a bounded distribution of agent start times: half the
// starts fall uniformly between Min and Median, half between Median and
// Max. Min, Median and Max are what one measures (docs/demand.md).
type StartDist struct {
	Min, Median, Max time.Duration
}

// set reports whether the distribution is used.
func (d StartDist) set() bool { return d.Max > 0 }

func (d StartDist) check() error {
	if d.Min <= 0 || d.Median < d.Min || d.Max < d.Median {
		return fmt.Errorf("agent start %s/%s/%s: give min, median and max with 0 < min <= median <= max", d.Min, d.Median, d.Max)
	}
	return nil
}

// draw maps u in [0, 1) onto the distribution, to the second.
func (d StartDist) draw(u float64) time.Duration {
	var v float64
	if u < 0.5 {
		v = float64(d.Min) + float64(d.Median-d.Min)*2*u
	} else {
		v = float64(d.Median) + float64(d.Max-d.Median)*(2*u-1)
	}
	return time.Duration(v).Round(time.Second)
}

// Standby is schedule.Standby: idle agents kept above the busy ones in
// working hours, at night and at weekends.
type Standby = schedule.Standby

// standbyOf is the standby count from the action that set the bounds (its
// index in schedule.Week.Actions: scale-up, scale-down, refresh, weekday
// restore, weekend restore) until the next: the override's window when
// one is given, else the action's own (the fleet file's).
func standbyOf(actions []schedule.Action, override *Standby, action int) int {
	if override == nil {
		return actions[action].Standby
	}
	switch action {
	case 0:
		return override.WorkHours
	case 1, 3:
		return override.Nights
	case 4:
		return override.Weekends
	}
	return 0 // the refresh: min = max = 0
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
	Spoke       string
	Demand      bool // following demand (else the schedule alone)
	Placeholder bool // the pool keeps a placeholder agent
	Jobs        int
	// Rejected jobs were queued while no agent (online or offline) was
	// registered in the pool: Azure DevOps fails them at once ("No agent
	// found in pool ... which satisfies the specified demands"). They have
	// no wait and are not in the percentiles.
	Rejected int
	// WaitP50 and WaitP95 are from queued to picked up, over the jobs not
	// rejected; Unserved jobs waited past the simulation's end and count as
	// the longest waits.
	WaitP50, WaitP95, WaitMax time.Duration
	Unserved                  int
	AgentHours                float64
	// MonthlyCost is NaN when the spoke's region has no price (Cost.Priced).
	MonthlyCost float64
	// JobsCut are jobs whose agent was stopped under them by a scale-in
	// (only once their protection expired).
	JobsCut int
	// TasksStarted in the week: each pulls the image and reads the token.
	TasksStarted int
	// Samples every 5 minutes: queue, agents, floor, ceiling.
	Samples []Sample
	// Waits of every job not rejected, shortest first.
	Waits []time.Duration
	// Pickups in the week, in time order (the dashboard's job wait panel).
	Pickups []Pickup
	// Starts are when each task of the week was started, in time order.
	Starts []time.Time
	// HourPeaks (demand) per hour of the week on the spoke's clock: the
	// hour's peak of busy agents plus waiting jobs (the poller's
	// AgentsNeeded, an hour's Maximum), schedule.NoData for an hour outside
	// the week simulated. The history of automatic standby.
	HourPeaks [schedule.HoursOfWeek]int
}

// Sample is the state at one moment of the week.
type Sample struct {
	At                             time.Time
	Queued, Agents, Floor, Ceiling int
	// Agents by state: running a job, registered without one, and tasks
	// not taking jobs yet (provisioning, pulling, registering).
	Busy, Idle, Starting int
}

// Pickup is a job taken by an agent: when, and how long it had waited.
type Pickup struct {
	At   time.Time
	Wait time.Duration
}

// agent is one task. Its agent is registered in the pool from ready (the
// registration is the last step of its start) until it leaves the slice:
// start.sh deregisters it when its job ends and when it is stopped (a cut
// job included: the listener gets the stop timeout minus 25 s, the
// deregistration the rest; agent/start.sh).
type agent struct {
	ready, since time.Time // takes jobs from ready; exists since
	busyUntil    time.Time // zero: idle
	jobStart     time.Time
}

const tick = 10 * time.Second

// SimulateWorkload runs the jobs against sp's week starting at start
// (Monday 00:00 in the spoke's zone). With sp.Week.Demand the agents follow
// the jobs between floor and ceiling; without, the count is the schedule's.
//
// The spoke's agents are the only ones that can take its jobs (its own
// pool, or demands only they meet). Azure DevOps checks a job when it is
// queued: with no agent registered in the pool that could take it (online
// or offline) the job fails at once; otherwise it waits for an idle online
// agent (issue 18; the KEDA azure-pipelines scaler's documentation: scaling
// to zero needs an agent registered in the pool; Microsoft's Azure
// Container Apps runner tutorial: "pipelines that use the agent pool fail
// when there's no placeholder agent"). A rejected job never reaches the
// pool's job requests, so the poller does not count it. A job already
// queued stays queued when the pool empties later (the check is at queue
// time).
func SimulateWorkload(sp Spoke, jobs []Job, start time.Time, p WorkloadParams) (WorkloadResult, error) {
	p = p.withDefaults()
	if p.Start.set() {
		if err := p.Start.check(); err != nil {
			return WorkloadResult{}, fmt.Errorf("spoke %s: %w", sp.Name, err)
		}
	}
	if s := p.Standby; s != nil && (s.WorkHours < 0 || s.Nights < 0 || s.Weekends < 0) {
		return WorkloadResult{}, fmt.Errorf("spoke %s: standby %d/%d/%d: use 0 or more idle agents per window", sp.Name, s.WorkHours, s.Nights, s.Weekends)
	}
	loc, err := time.LoadLocation(sp.Week.TimeZone)
	if err != nil {
		return WorkloadResult{}, fmt.Errorf("spoke %s: time zone: %w", sp.Name, err)
	}
	actions := sp.Week.Actions()
	end := start.AddDate(0, 0, 7)
	events, err := actionEvents(sp, start.AddDate(0, 0, -7), end.AddDate(0, 0, 2))
	if err != nil {
		return WorkloadResult{}, err
	}
	var steps []schedule.Step
	if sp.Week.Demand != nil {
		steps = schedule.DemandSteps(sp.Week.MaxCapacity())
	}
	startRNG := rand.New(rand.NewPCG(p.Seed, 0x7374617274)) // "start"
	startTime := func() time.Duration {
		if p.Start.set() {
			return p.Start.draw(startRNG.Float64())
		}
		return p.StartLatency
	}
	// The bounds in force at start: the last action before it.
	floor, ceiling, window, next := 0, 0, 0, 0
	for next < len(events) && !events[next].at.After(start) {
		floor, ceiling, window = events[next].capacity, events[next].ceiling, events[next].order
		next++
	}
	res := WorkloadResult{Spoke: sp.Name, Demand: steps != nil, Placeholder: p.Placeholder, Jobs: len(jobs)}
	// Each hour's peak of busy agents plus waiting jobs, as the poller's
	// AgentsNeeded gives it to CloudWatch (Maximum, an hour).
	for h := range res.HourPeaks {
		res.HourPeaks[h] = schedule.NoData
	}
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
	var waiting []Job // queued, accepted, not picked up: in queue order
	var waits []time.Duration
	arrived := 0 // jobs of queue that have been queued
	stopTime := end.Add(24 * time.Hour)
	for now := start; now.Before(stopTime); now = now.Add(tick) {
		// Scheduled actions: min and max now; the count moves into them.
		for next < len(events) && !events[next].at.After(now) {
			floor, ceiling, window = events[next].capacity, events[next].ceiling, events[next].order
			next++
			desired = min(max(desired, floor), ceiling)
			if steps == nil {
				desired = floor
			}
		}
		// Jobs end, and with them their agents (each agent runs one job,
		// deregisters and exits: ECS starts a new task in its place when
		// the count allows).
		agents = slices.DeleteFunc(agents, func(a *agent) bool {
			done := !a.busyUntil.IsZero() && !a.busyUntil.After(now)
			if done {
				res.AgentHours += hoursWithin(a.since, now, start, end)
			}
			return done
		})
		// Jobs queued now: accepted if an agent is registered in the pool
		// (a started one, busy or idle, or the placeholder), else rejected.
		for arrived < len(queue) && !queue[arrived].Queued.After(now) {
			registered := p.Placeholder || slices.ContainsFunc(agents, func(a *agent) bool { return !a.ready.After(now) })
			if registered {
				waiting = append(waiting, queue[arrived])
			} else {
				res.Rejected++
			}
			arrived++
		}
		busy := 0
		for _, a := range agents {
			if !a.busyUntil.IsZero() {
				busy++
			}
		}
		// Demand: a poll each minute (busy agents, waiting jobs, and the
		// window's standby); its scaling action a minute later.
		if steps != nil {
			if now.Sub(start)%time.Minute == 0 {
				want := busy + len(waiting) + standbyOf(actions, p.Standby, window)
				if p.Ready != nil {
					// This hour's and the next's, 5 minutes ahead (the poller's ready_now).
					want = max(want, p.Ready[schedule.HourOfWeek(now, loc)], p.Ready[schedule.HourOfWeek(now.Add(schedule.AutoLead), loc)])
				}
				polls = append(polls, pending{now.Add(MetricDelay), want})
				if now.Before(end) {
					h := schedule.HourOfWeek(now, loc)
					res.HourPeaks[h] = max(res.HourPeaks[h], busy+len(waiting))
				}
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
			agents = append(agents, &agent{ready: now.Add(startTime()), since: now})
			if now.Before(end) {
				res.TasksStarted++
				res.Starts = append(res.Starts, now)
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
			if len(waiting) == 0 {
				break
			}
			if a.busyUntil.IsZero() && !a.ready.After(now) {
				j := waiting[0]
				waiting = waiting[1:]
				waits = append(waits, now.Sub(j.Queued))
				if now.Before(end) {
					res.Pickups = append(res.Pickups, Pickup{now, now.Sub(j.Queued)})
				}
				a.busyUntil, a.jobStart = now.Add(j.Duration), now
			}
		}
		if now.Before(end) && now.Sub(start)%(5*time.Minute) == 0 {
			sm := Sample{At: now, Queued: len(waiting), Agents: len(agents), Floor: floor, Ceiling: ceiling}
			for _, a := range agents {
				switch {
				case !a.busyUntil.IsZero():
					sm.Busy++
				case a.ready.After(now):
					sm.Starting++
				default:
					sm.Idle++
				}
			}
			res.Samples = append(res.Samples, sm)
		}
	}
	for _, a := range agents {
		res.AgentHours += hoursWithin(a.since, stopTime, start, end)
	}
	for _, j := range waiting {
		res.Unserved++
		waits = append(waits, stopTime.Sub(j.Queued))
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

// SimulateWeeks runs n consecutive weeks of jobs (a Workload's Jobs) from
// start, each as
// SimulateWorkload does (week k's jobs and starts drawn with p.Seed + k).
// For a spoke with automatic standby (Week.Demand.Auto) and no p.Ready,
// week k keeps ready what schedule.AutoReady makes of the HourPeaks of the
// weeks before it (the last Auto.Weeks of them), as the poller does from
// CloudWatch: the first week has no history, only the fixed standby.
func SimulateWeeks(sp Spoke, jobs func(from time.Time, seed uint64) []Job, start time.Time, n int, p WorkloadParams) ([]WorkloadResult, error) {
	var out []WorkloadResult
	var history [][schedule.HoursOfWeek]int
	auto := sp.Week.Demand != nil && sp.Week.Demand.Auto != nil && p.Ready == nil
	seed := p.withDefaults().Seed
	for k := 0; k < n; k++ {
		from := start.AddDate(0, 0, 7*k)
		q := p
		q.Seed = seed + uint64(k)
		if auto {
			a := sp.Week.Demand.Auto
			ready := schedule.AutoReady(history[max(0, len(history)-a.Weeks):], a.Percentile)
			q.Ready = &ready
		}
		r, err := SimulateWorkload(sp, jobs(from, q.Seed), from, q)
		if err != nil {
			return nil, err
		}
		history = append(history, r.HourPeaks)
		out = append(out, r)
	}
	return out, nil
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
