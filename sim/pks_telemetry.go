package sim

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// The telemetry database of PKS 1.0-1.2 on the API VM
// (shared/reference/pks.md §5.1), made from the same pods as the billing
// database: pkswatermark has one row per cluster agent per day with the
// most pods alive at once that day; pksdata one row per pod per hour
// with its CPU and memory use. The simulated client prints the columns
// bosun selects, in its order:
//
//	pkswatermark: collect_time, agent, agent_pod_cnt, total_pod_cnt
//	pksdata:      collect_time, agent, pod_name, cpu_used, memory_used

// maxAlive is the most pods alive at once within [from, to).
func maxAlive(pods []billingPod, from, to time.Time) int {
	type edge struct {
		at   time.Time
		step int
	}
	var edges []edge
	for _, p := range pods {
		a, b := p.first, p.last.Add(time.Second)
		if !a.Before(to) || !b.After(from) {
			continue
		}
		edges = append(edges, edge{a, 1}, edge{b, -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].step < edges[j].step
	})
	best, cur := 0, 0
	for _, e := range edges {
		cur += e.step
		best = max(best, cur)
	}
	return best
}

// telemetryWatermarks prints the daily rows collected since since.
func (f *Foundation) telemetryWatermarks(since time.Time, w io.Writer) {
	pods := f.billingPods()
	byAgent := map[string][]billingPod{}
	var agents []string
	for _, p := range pods {
		if byAgent[p.dep] == nil {
			agents = append(agents, p.dep)
		}
		byAgent[p.dep] = append(byAgent[p.dep], p)
	}
	sort.Strings(agents)
	end := f.content.epoch
	for day := end.Add(-21 * day).Truncate(24 * time.Hour); day.Before(end); day = day.Add(24 * time.Hour) {
		collect := day.Add(24*time.Hour + 76*time.Minute) // the next night's collection
		if collect.Before(since) || collect.After(end) {
			continue
		}
		total := maxAlive(pods, day, day.Add(24*time.Hour))
		for _, a := range agents {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\n", collect.UTC().Format(billingTimeFmt), a,
				maxAlive(byAgent[a], day, day.Add(24*time.Hour)), total)
		}
	}
}

// telemetryData prints one row per pod per hour alive since since.
func (f *Foundation) telemetryData(since time.Time, w io.Writer) {
	for _, p := range f.billingPods() {
		if p.last.Before(since) {
			continue
		}
		r := newRNG(f.opts.Seed, "pksdata-"+p.id)
		cpu, mem := int64(5+r.intn(400)), int64(16+r.intn(900))<<20
		start := p.first.Truncate(time.Hour).Add(time.Hour)
		if start.Before(since) {
			start = since.Truncate(time.Hour).Add(time.Hour)
		}
		for t := start; !t.After(p.last); t = t.Add(time.Hour) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\n", t.UTC().Format(billingTimeFmt), p.dep, p.name, cpu+int64(r.intn(50)), mem)
		}
	}
}
