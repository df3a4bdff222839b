package pks

import (
	"bufio"
	"sort"
	"strconv"
	"strings"
)

// etcd health of a cluster, read from etcdctl on a master
// (shared/reference/pks.md §6). The wrapper fills in the certificates and
// every member's endpoint, so one master answers for all.

// EtcdCommand is what bosun runs on a master (as root) for each query:
// "endpoint health", "member list -w table", "endpoint status -w table".
func EtcdCommand(query string) string {
	return "sudo ETCDCTL_API=3 /var/vcap/jobs/etcd/bin/etcdctl " + query
}

// EtcdMember is one etcd member as bosun reports it.
type EtcdMember struct {
	Name     string `json:"name"`     // the member name: the master's BOSH instance id
	Instance string `json:"instance"` // master/<id> when the name is known
	ID       string `json:"id"`
	Endpoint string `json:"endpoint"`
	Healthy  bool   `json:"healthy"`
	Took     string `json:"took"`  // time to commit the health proposal; "" when none
	Error    string `json:"error"` // why it is unhealthy; "" when healthy
	Leader   bool   `json:"leader"`
	Version  string `json:"version"` // "" when the member did not answer the status query
	DBSize   string `json:"-"`       // as etcdctl prints it: "38 MB"
	// DBSizeBytes is DBSize in bytes; nil when the member did not answer.
	DBSizeBytes *int64 `json:"db_size"`
}

// etcdUnits are the byte units etcdctl's tables use (SI, and IEC for
// completeness).
var etcdUnits = map[string]float64{"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
	"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}

// ParseByteSize reads a size such as "38 MB" or "20 kB" into bytes.
func ParseByteSize(s string) (int64, bool) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), " ")
	if unit == "" {
		unit = "B"
	}
	f, err := strconv.ParseFloat(num, 64)
	mult, ok := etcdUnits[strings.TrimSpace(unit)]
	if err != nil || !ok || f < 0 {
		return 0, false
	}
	return int64(f*mult + 0.5), true
}

// EtcdReport is a cluster's etcd: every member, whether all are healthy,
// and the leader's endpoint ("" when none answered as leader).
type EtcdReport struct {
	Cluster    string       `json:"cluster"`
	Deployment string       `json:"deployment"`
	Healthy    bool         `json:"healthy"`
	Leader     string       `json:"leader"`
	Members    []EtcdMember `json:"members"`
}

// etcdHealth is one line of `endpoint health`.
type etcdHealth struct {
	healthy   bool
	took, err string
}

// parseEtcdHealth reads `endpoint health` output (stdout and stderr
// together): "<endpoint> is healthy: successfully committed proposal:
// took = 2.1ms" or "<endpoint> is unhealthy: <reason>".
func parseEtcdHealth(out string) map[string]etcdHealth {
	res := map[string]etcdHealth{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if ep, rest, ok := strings.Cut(line, " is healthy: "); ok {
			h := etcdHealth{healthy: true}
			if _, took, ok := strings.Cut(rest, "took = "); ok {
				h.took = strings.TrimSpace(took)
			}
			res[ep] = h
		} else if ep, rest, ok := strings.Cut(line, " is unhealthy: "); ok {
			res[ep] = etcdHealth{err: rest}
		}
	}
	return res
}

// parseEtcdTable reads etcdctl's `-w table` output into rows keyed by the
// upper-case column titles.
func parseEtcdTable(out string) []map[string]string {
	var head []string
	var rows []map[string]string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if head == nil {
			head = cells
			continue
		}
		row := map[string]string{}
		for i, c := range cells {
			if i < len(head) {
				row[head[i]] = c
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// BuildEtcdReport joins the three outputs. Members come from member list
// (every member, even one that does not answer); health and status fill
// in what each endpoint said. An endpoint missing from the health output
// counts as unhealthy.
func BuildEtcdReport(cluster, deployment, health, members, status string) EtcdReport {
	r := EtcdReport{Cluster: cluster, Deployment: deployment, Healthy: true, Members: []EtcdMember{}}
	hs := parseEtcdHealth(health)
	st := map[string]map[string]string{}
	for _, row := range parseEtcdTable(status) {
		st[row["ENDPOINT"]] = row
	}
	seen := map[string]bool{}
	for _, row := range parseEtcdTable(members) {
		ep := strings.Split(row["CLIENT ADDRS"], ",")[0]
		m := EtcdMember{Name: row["NAME"], ID: row["ID"], Endpoint: strings.TrimSpace(ep)}
		if m.Name != "" {
			m.Instance = "master/" + m.Name
		}
		seen[m.Endpoint] = true
		r.Members = append(r.Members, m)
	}
	for ep := range hs {
		if !seen[ep] {
			r.Members = append(r.Members, EtcdMember{Endpoint: ep})
		}
	}
	for i := range r.Members {
		m := &r.Members[i]
		h, ok := hs[m.Endpoint]
		m.Healthy, m.Took, m.Error = h.healthy, h.took, h.err
		if !ok {
			m.Error = "no health answer"
		}
		if s, ok := st[m.Endpoint]; ok {
			m.Leader, m.Version, m.DBSize = s["IS LEADER"] == "true", s["VERSION"], s["DB SIZE"]
			if n, ok := ParseByteSize(m.DBSize); ok {
				m.DBSizeBytes = &n
			}
			if m.ID == "" {
				m.ID = s["ID"]
			}
		}
		if m.Leader {
			r.Leader = m.Endpoint
		}
		if !m.Healthy {
			r.Healthy = false
		}
	}
	if len(r.Members) == 0 {
		r.Healthy = false
	}
	sort.SliceStable(r.Members, func(i, j int) bool { return r.Members[i].Endpoint < r.Members[j].Endpoint })
	return r
}
