package pks

import (
	"bufio"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Usage from the telemetry database of PKS 1.0-1.2 on the API VM
// (shared/reference/pks.md §5.1): pkswatermark holds, per cluster agent
// (its deployment name) and day, the most pods alive at once;
// pksdata one sample per pod and hour with CPU and memory used, from
// which consumption is summed.

// TelemetryCommands are the two queries bosun runs with the mariadb client
// as root on the API VM.
func TelemetryCommands(since time.Time) (watermarks, data string) {
	at := since.UTC().Format(BillingTimeLayout)
	q := func(sql string) string { return `sudo /var/vcap/packages/mariadb/bin/mysql -B -N -e "` + sql + `"` }
	return q("SELECT collect_time, agent, agent_pod_cnt, total_pod_cnt FROM telemetry.pkswatermark WHERE collect_time >= '" + at + "'"),
		q("SELECT collect_time, agent, pod_name, cpu_used, memory_used FROM telemetry.pksdata WHERE collect_time >= '" + at + "'")
}

// ErrNoTelemetryDB marks an answer saying there is no telemetry database.
var ErrNoTelemetryDB = errors.New("no telemetry database")

// tsvRows splits tab-separated output into rows of want columns.
func tsvRows(out, what string, want int) ([][]string, error) {
	if strings.Contains(out, "Unknown database") {
		return nil, ErrNoTelemetryDB
	}
	var rows [][]string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != want {
			return nil, fmt.Errorf("%s row %d: %d columns, want %d", what, n, len(cols), want)
		}
		rows = append(rows, cols)
	}
	return rows, sc.Err()
}

// BuildTelemetryUsage reads both query outputs into a report. A day's
// figure is collected the following night, so a row collected on day D
// counts for D-1.
func BuildTelemetryUsage(watermarks, data string, names map[string]string, since, until time.Time) (UsageReport, error) {
	r := UsageReport{Schema: "telemetry", Since: since, Until: until, Clusters: []ClusterUsage{}}
	wm, err := tsvRows(watermarks, "pkswatermark", 4)
	if err != nil {
		return r, err
	}
	dt, err := tsvRows(data, "pksdata", 5)
	if err != nil {
		return r, err
	}
	by := map[string]*ClusterUsage{}
	get := func(agent string) *ClusterUsage {
		if c := by[agent]; c != nil {
			return c
		}
		c := &ClusterUsage{Cluster: names[agent], Deployment: agent, Namespaces: map[string]int{}, Daily: []DayCount{}}
		if c.Cluster == "" {
			c.Cluster = agent
		}
		by[agent] = c
		return c
	}
	for i, row := range wm {
		at, err1 := time.ParseInLocation(BillingTimeLayout, row[0], time.UTC)
		n, err2 := strconv.Atoi(row[2])
		total, err3 := strconv.Atoi(row[3])
		if err := errors.Join(err1, err2, err3); err != nil {
			return r, fmt.Errorf("pkswatermark row %d: %v", i+1, err)
		}
		day := at.Add(-24 * time.Hour).Truncate(24 * time.Hour)
		c := get(row[1])
		c.Daily = append(c.Daily, DayCount{Day: day.Format("2006-01-02"), Pods: n})
		if n > c.Watermark {
			c.Watermark, c.WatermarkAt = n, day
		}
		if total > r.Watermark {
			r.Watermark, r.WatermarkAt = total, day
		}
	}
	pods := map[string]map[string]bool{}
	for i, row := range dt {
		cpu, err1 := strconv.ParseInt(row[3], 10, 64)
		mem, err2 := strconv.ParseInt(row[4], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return r, fmt.Errorf("pksdata row %d: %v", i+1, err)
		}
		c := get(row[1])
		if pods[row[1]] == nil {
			pods[row[1]] = map[string]bool{}
		}
		pods[row[1]][row[2]] = true
		c.PodHours++ // one sample per pod and hour
		c.CPUUsed, c.MemoryUsed = addTo(c.CPUUsed, cpu), addTo(c.MemoryUsed, mem)
	}
	for agent, c := range by {
		c.Pods = len(pods[agent])
		sort.Slice(c.Daily, func(i, j int) bool { return c.Daily[i].Day < c.Daily[j].Day })
		r.PodHours += c.PodHours
		r.Clusters = append(r.Clusters, *c)
	}
	sort.Slice(r.Clusters, func(i, j int) bool { return r.Clusters[i].Cluster < r.Clusters[j].Cluster })
	return r, nil
}

// addTo adds n to *p, starting from nothing (unknown) at 0.
func addTo(p *int64, n int64) *int64 {
	if p == nil {
		return &n
	}
	v := *p + n
	return &v
}
