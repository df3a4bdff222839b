package pks

import (
	"bufio"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Pod usage from the billing database (TKGI 1.3-1.8; removed in 1.9):
// table billing.pods, one row per pod with when it was first and last
// seen. Watermark and consumption are derived here: the watermark is the
// highest number of pods alive at the same moment, consumption the sum of
// pod lifetimes (shared/reference/pks.md §5.2; the derivation is bosun's).

// BillingTimeLayout is how the billing database writes times (UTC).
const BillingTimeLayout = "2006-01-02 15:04:05"

// ErrNoBillingDB says the foundation has no billing database.
var ErrNoBillingDB = errors.New("pod usage is not available on this version: the billing database was removed in TKGI 1.9")

// BillingQuery is the SQL bosun runs; rows last seen before since are
// left out.
func BillingQuery(since time.Time) string {
	return "SELECT id, first_seen, last_seen, namespace, name, service_instance_id FROM billing.pods WHERE last_seen >= '" +
		since.UTC().Format(BillingTimeLayout) + "'"
}

// BillingCommand runs BillingQuery with the pxc client as root on the
// pks-db VM (batch mode, no column names).
func BillingCommand(since time.Time) string {
	return `sudo /var/vcap/packages/pxc/bin/mysql -B -N -e "` + BillingQuery(since) + `"`
}

// Pod is one row of billing.pods.
type Pod struct {
	ID         string    `json:"id"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Namespace  string    `json:"namespace"`
	Name       string    `json:"name"`
	Deployment string    `json:"service_instance_id"`
}

// ParseBillingPods reads the tab-separated rows. A client error saying
// the database is unknown is ErrNoBillingDB.
func ParseBillingPods(out string) ([]Pod, error) {
	if strings.Contains(out, "Unknown database 'billing'") {
		return nil, ErrNoBillingDB
	}
	var pods []Pod
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 6 {
			return nil, fmt.Errorf("billing row %d: %d columns, want 6: %q", n, len(cols), clip(line, 80))
		}
		first, err1 := time.ParseInLocation(BillingTimeLayout, cols[1], time.UTC)
		last, err2 := time.ParseInLocation(BillingTimeLayout, cols[2], time.UTC)
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("billing row %d: bad time: %v", n, err)
		}
		pods = append(pods, Pod{ID: cols[0], FirstSeen: first, LastSeen: last, Namespace: cols[3], Name: cols[4], Deployment: cols[5]})
	}
	return pods, sc.Err()
}

// Watermark is the most pods alive at once within [since, until] and the
// first moment it was reached. Each pod counts from first_seen to
// last_seen inclusive, clipped to the window.
func Watermark(pods []Pod, since, until time.Time) (int, time.Time) {
	type edge struct {
		at   time.Time
		step int
	}
	edges := make([]edge, 0, 2*len(pods))
	for _, p := range pods {
		a, b := p.FirstSeen, p.LastSeen
		if a.Before(since) {
			a = since
		}
		if b.After(until) {
			b = until
		}
		if b.Before(a) {
			continue
		}
		edges = append(edges, edge{a, 1}, edge{b.Add(time.Second), -1})
	}
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].step < edges[j].step // a pod leaving frees its slot before one arrives
	})
	best, cur := 0, 0
	var at time.Time
	for _, e := range edges {
		cur += e.step
		if cur > best {
			best, at = cur, e.at
		}
	}
	return best, at
}

// ClusterUsage is one cluster's pods in the period.
type ClusterUsage struct {
	Cluster     string         `json:"cluster"`
	Deployment  string         `json:"deployment"`
	Pods        int            `json:"pods"`      // distinct pods seen in the period
	Watermark   int            `json:"watermark"` // most pods alive at once
	WatermarkAt time.Time      `json:"watermark_at"`
	PodHours    float64        `json:"pod_hours"`   // consumption: summed pod lifetimes in the period
	CPUUsed     *int64         `json:"cpu_used"`    // telemetry schema: summed hourly cpu_used samples (unit as the agent reports); null elsewhere
	MemoryUsed  *int64         `json:"memory_used"` // telemetry schema: summed hourly memory_used samples; null elsewhere
	Namespaces  map[string]int `json:"namespaces"`  // pods per namespace
	Daily       []DayCount     `json:"daily"`       // watermark per UTC day
}

// DayCount is the watermark of one day.
type DayCount struct {
	Day  string `json:"day"` // YYYY-MM-DD
	Pods int    `json:"pods"`
}

// UsageReport is pod usage over a period, per cluster and in all.
type UsageReport struct {
	Schema      string         `json:"schema"` // "billing" (TKGI 1.3-1.8) or "telemetry" (PKS 1.0-1.2)
	Since       time.Time      `json:"since"`
	Until       time.Time      `json:"until"`
	Watermark   int            `json:"watermark"` // of the whole installation
	WatermarkAt time.Time      `json:"watermark_at"`
	PodHours    float64        `json:"pod_hours"`
	Clusters    []ClusterUsage `json:"clusters"`
}

// BuildUsage sums pods up per cluster. names maps deployments to cluster
// names (a deployment without one keeps its own name).
func BuildUsage(pods []Pod, names map[string]string, since, until time.Time) UsageReport {
	r := UsageReport{Schema: "billing", Since: since, Until: until, Clusters: []ClusterUsage{}}
	by := map[string][]Pod{}
	var all []Pod
	for _, p := range pods {
		if p.LastSeen.Before(since) || p.FirstSeen.After(until) {
			continue
		}
		by[p.Deployment] = append(by[p.Deployment], p)
		all = append(all, p)
	}
	r.Watermark, r.WatermarkAt = Watermark(all, since, until)
	for dep, ps := range by {
		cu := ClusterUsage{Cluster: names[dep], Deployment: dep, Pods: len(ps), Namespaces: map[string]int{}, Daily: []DayCount{}}
		if cu.Cluster == "" {
			cu.Cluster = dep
		}
		cu.Watermark, cu.WatermarkAt = Watermark(ps, since, until)
		for _, p := range ps {
			cu.Namespaces[p.Namespace]++
			a, b := maxTime(p.FirstSeen, since), minTime(p.LastSeen, until)
			cu.PodHours += b.Sub(a).Hours()
		}
		for d := since.UTC().Truncate(24 * time.Hour); d.Before(until); d = d.Add(24 * time.Hour) {
			n, _ := Watermark(ps, maxTime(d, since), minTime(d.Add(24*time.Hour-time.Second), until))
			cu.Daily = append(cu.Daily, DayCount{Day: d.Format("2006-01-02"), Pods: n})
		}
		r.PodHours += cu.PodHours
		r.Clusters = append(r.Clusters, cu)
	}
	sort.Slice(r.Clusters, func(i, j int) bool { return r.Clusters[i].Cluster < r.Clusters[j].Cluster })
	return r
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
