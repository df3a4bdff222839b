package sim

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// The billing database of TKGI 1.7-1.8 on the pks-db VM
// (shared/reference/pks.md §5.2): database billing, table pods with id,
// first_seen, last_seen, namespace, name, service_instance_id
// (service-instance_<uuid>). The VM's mysql client answers the queries
// bosun sends in batch mode (-B -N -e "..."): rows tab-separated, no
// header. With Options.NoBillingDB the database does not exist, as on
// TKGI 1.9 and later.

const (
	pxcMySQL       = "/var/vcap/packages/pxc/bin/mysql"
	mariaDBMySQL   = "/var/vcap/packages/mariadb/bin/mysql"
	billingTimeFmt = "2006-01-02 15:04:05"
)

// billingPod is one row of billing.pods.
type billingPod struct {
	id, namespace, name, dep string
	first, last              time.Time
}

var billingNamespaces = []string{"default", "kube-system", "pks-system", "payments", "checkout", "ci", "analytics", "monitoring"}

// billingPods generates the pods seen on every cluster deployment over the
// 21 days before the epoch: system pods alive all along, workload pods
// that come and go in daily waves. Pods alive now have last_seen within
// the last five minutes, as the telemetry agent refreshes it.
func (f *Foundation) billingPods() []billingPod {
	r := newRNG(f.opts.Seed, "billing")
	now := f.content.epoch.Truncate(5 * time.Minute)
	start := now.Add(-21 * day)
	var out []billingPod
	for _, d := range f.content.deployments {
		if !strings.HasPrefix(d.Name, "service-instance_") {
			continue
		}
		workers := countGroup(d, "worker")
		for i := 0; i < 6+workers; i++ { // system pods
			ns := billingNamespaces[1+i%2]
			out = append(out, billingPod{id: r.uuid(), namespace: ns, name: fmt.Sprintf("%s-%s", []string{"coredns", "metrics-server", "fluent-bit", "event-controller", "sink-controller", "kube-proxy"}[i%6], r.hex(5)),
				dep: d.Name, first: start.Add(time.Duration(r.intn(3600)) * time.Second), last: now})
		}
		for day := 0; day < 21; day++ {
			n := workers * (2 + r.intn(4))
			for i := 0; i < n; i++ {
				first := start.Add(time.Duration(day)*24*time.Hour + time.Duration(6+r.intn(10))*time.Hour + time.Duration(r.intn(3600))*time.Second)
				last := first.Add(time.Duration(1+r.intn(30)) * time.Hour)
				if last.After(now) {
					last = now
				}
				ns := billingNamespaces[3+r.intn(len(billingNamespaces)-3)]
				out = append(out, billingPod{id: r.uuid(), namespace: ns, name: fmt.Sprintf("%s-%s-%s", ns, r.hex(10), r.hex(5)),
					dep: d.Name, first: first, last: last})
			}
		}
	}
	return out
}

var sinceRe = regexp.MustCompile(`(?:last_seen|collect_time)\s*>=\s*'([0-9: -]+)'`)

// mysql answers the usage queries: billing.pods on the pks-db VM (pxc
// client), the telemetry tables on the API VM of PKS 1.0-1.2 (mariadb
// client). Elsewhere there is no client.
func (sh *shell) mysql(bin string, args []string, stdout, stderr io.Writer) int {
	group, usage := sh.h.inst.Group.Name, sh.h.f.opts.UsageDB
	billing := usage == "" || usage == "billing"
	switch {
	case group == "pks-db" && bin != mariaDBMySQL, group == "pivotal-container-service" && usage == "telemetry" && bin != pxcMySQL:
	default:
		fmt.Fprintf(stderr, "sh: 1: %s: not found\n", bin)
		return 127
	}
	if !sh.root {
		fmt.Fprintln(stderr, "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: NO)")
		return 1
	}
	var query string
	for i := 0; i < len(args); i++ {
		if args[i] == "-e" && i+1 < len(args) {
			query = args[i+1]
		} else if v, ok := strings.CutPrefix(args[i], "--execute="); ok {
			query = v
		}
	}
	low := strings.ToLower(query)
	var since time.Time
	if m := sinceRe.FindStringSubmatch(query); m != nil {
		t, err := time.ParseInLocation(billingTimeFmt, m[1], time.UTC)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR 1525 (HY000): Incorrect DATETIME value: '%s'\n", m[1])
			return 1
		}
		since = t
	}
	switch {
	case query == "":
		fmt.Fprintln(stderr, "ERROR: bosun's simulated mysql answers only -e queries")
		return 1
	case strings.HasPrefix(low, "show databases"):
		dbs := []string{"information_schema", "mysql", "performance_schema"}
		if group == "pks-db" {
			dbs = append(dbs, "pks", "uaa")
			if billing {
				dbs = append(dbs, "billing")
			}
		} else {
			dbs = append(dbs, "telemetry")
		}
		fmt.Fprintln(stdout, strings.Join(dbs, "\n"))
		return 0
	case strings.Contains(low, "billing.pods") && (group != "pks-db" || !billing):
		fmt.Fprintln(stderr, "ERROR 1049 (42000): Unknown database 'billing'")
		return 1
	case strings.Contains(low, "telemetry.") && group != "pivotal-container-service":
		fmt.Fprintln(stderr, "ERROR 1049 (42000): Unknown database 'telemetry'")
		return 1
	case strings.Contains(low, "from billing.pods"):
		for _, p := range sh.h.f.billingPods() {
			if p.last.Before(since) {
				continue
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", p.id, p.first.UTC().Format(billingTimeFmt),
				p.last.UTC().Format(billingTimeFmt), p.namespace, p.name, p.dep)
		}
		return 0
	case strings.Contains(low, "from telemetry.pkswatermark"):
		sh.h.f.telemetryWatermarks(since, stdout)
		return 0
	case strings.Contains(low, "from telemetry.pksdata"):
		sh.h.f.telemetryData(since, stdout)
		return 0
	}
	fmt.Fprintf(stderr, "ERROR 1064 (42000): You have an error in your SQL syntax near '%s'\n", clipText(query, 40))
	return 1
}

func clipText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
