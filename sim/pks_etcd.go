package sim

import (
	"fmt"
	"io"
	"strings"
)

// etcd on the masters of a cluster (shared/reference/pks.md §6): the
// etcdctl wrapper /var/vcap/jobs/etcd/bin/etcdctl (certificates and every
// member's endpoint filled in), API v3. Members are named by their BOSH
// instance id; endpoints are master-<index>.etcd.cfcr.internal:2379. On
// platform-prod (the second cluster) master 2's member does not commit
// proposals: the "etcd member unhealthy" case.

const (
	etcdVersion      = "3.4.13"
	etcdWrapper      = "/var/vcap/jobs/etcd/bin/etcdctl"
	etcdBinary       = "/var/vcap/packages/etcd/bin/etcdctl"
	etcdUnhealthyErr = "failed to commit proposal: context deadline exceeded"
)

// etcdMember is one master's etcd as etcdctl reports it.
type etcdMember struct {
	inst     *instance
	id       string // 16 hex
	endpoint string
	peer     string
	healthy  bool
	leader   bool
	dbBytes  int64
	took     string
}

// etcdMembers lists the etcd members of the cluster deployment dep.
func (f *Foundation) etcdMembers(dep *deployment) []etcdMember {
	r := newRNG(f.opts.Seed, "etcd-"+dep.Name)
	var out []etcdMember
	for _, now := range f.deploymentNow(dep) {
		in := now.in
		if in.Group.Name != "master" {
			continue
		}
		health := now.health()
		m := etcdMember{inst: in, id: r.hex(16),
			endpoint: fmt.Sprintf("https://master-%d.etcd.cfcr.internal:2379", in.Index),
			peer:     fmt.Sprintf("https://master-%d.etcd.cfcr.internal:2380", in.Index),
			healthy:  now.vm != nil && health != healthUnresponsive && health != healthStopped,
			leader:   in.Index == 0,
			dbBytes:  int64(12+r.intn(40)) << 20,
			took:     fmt.Sprintf("%d.%03dms", 1+r.intn(4), r.intn(1000)),
		}
		if len(f.content.clusters) > 1 && dep == f.content.clusters[1] && in.Index == 2 {
			m.healthy = false
		}
		out = append(out, m)
	}
	return out
}

// pksCommand runs the PKS-specific commands of a VM's shell: etcdctl on
// masters, mysql on the pks-db VM (sim/pks_billing.go). ok is false for commands it does not know. An environment
// assignment before the command ("ETCDCTL_API=3 etcdctl ...") is read.
func (sh *shell) pksCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) (status int, ok bool) {
	env := map[string]string{}
	for len(args) > 0 && strings.Contains(args[0], "=") && !strings.HasPrefix(args[0], "/") {
		k, v, _ := strings.Cut(args[0], "=")
		env[k] = v
		args = args[1:]
	}
	if len(args) == 0 {
		return 0, len(env) > 0
	}
	switch args[0] {
	case etcdWrapper, etcdBinary, "etcdctl":
		return sh.etcdctl(args[1:], env, stdout, stderr), true
	case pxcMySQL, mariaDBMySQL, "mysql":
		return sh.mysql(args[0], args[1:], stdout, stderr), true
	}
	if len(env) > 0 {
		status, _ := sh.command(args, stdin, stdout, stderr)
		return status, true
	}
	return 0, false
}

func (sh *shell) etcdctl(args []string, env map[string]string, stdout, stderr io.Writer) int {
	in := sh.h.inst
	dep := sh.h.f.content.byName[in.Deployment]
	if in.Group.Name != "master" || dep == nil {
		fmt.Fprintf(stderr, "sh: 1: %s: not found\n", etcdWrapper)
		return 127
	}
	if !sh.root {
		fmt.Fprintln(stderr, "open /var/vcap/jobs/etcd/config/etcdctl-root.key: permission denied")
		return 1
	}
	if api := env["ETCDCTL_API"]; api == "2" {
		fmt.Fprintln(stderr, "No help topic for 'endpoint'")
		return 1
	}
	table := false
	var words []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-w" && i+1 < len(args):
			table = args[i+1] == "table"
			i++
		case a == "--write-out=table" || a == "-wtable":
			table = true
		case strings.HasPrefix(a, "-"):
		default:
			words = append(words, a)
		}
	}
	members := sh.h.f.etcdMembers(dep)
	if local := env["LOCAL"] == "true"; local {
		for _, m := range members {
			if m.inst == in {
				members = []etcdMember{m}
			}
		}
	}
	switch strings.Join(words, " ") {
	case "endpoint health":
		bad := false
		for _, m := range members {
			if m.healthy {
				fmt.Fprintf(stdout, "%s is healthy: successfully committed proposal: took = %s\n", m.endpoint, m.took)
			} else {
				bad = true
				fmt.Fprintf(stderr, "%s is unhealthy: %s\n", m.endpoint, etcdUnhealthyErr)
			}
		}
		if bad {
			fmt.Fprintln(stderr, "Error: unhealthy cluster")
			return 1
		}
		return 0
	case "member list":
		rows := [][]string{{"ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"}}
		for _, m := range members {
			rows = append(rows, []string{m.id, "started", m.inst.ID, m.peer, m.endpoint, "false"})
		}
		writeEtcdRows(stdout, rows, table)
		return 0
	case "endpoint status":
		rows := [][]string{{"ENDPOINT", "ID", "VERSION", "DB SIZE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX", "RAFT APPLIED INDEX", "ERRORS"}}
		status := 0
		for _, m := range members {
			if !m.healthy {
				fmt.Fprintf(stderr, "{\"level\":\"warn\",\"msg\":\"failed to get the status of endpoint %s (context deadline exceeded)\"}\n", m.endpoint)
				status = 1
				continue
			}
			rows = append(rows, []string{m.endpoint, m.id, etcdVersion, fmt.Sprintf("%d MB", m.dbBytes>>20),
				fmt.Sprint(m.leader), "false", "7", "481516", "481516", ""})
		}
		writeEtcdRows(stdout, rows, table)
		return status
	}
	fmt.Fprintf(stderr, "Error: unknown command %q for \"etcdctl\"\n", strings.Join(words, " "))
	return 1
}

// writeEtcdRows prints rows as etcdctl does: a bordered table (-w table)
// or comma-separated lines without the header.
func writeEtcdRows(w io.Writer, rows [][]string, table bool) {
	if !table {
		for _, r := range rows[1:] {
			fmt.Fprintln(w, strings.Join(r, ", "))
		}
		return
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	sep := "+"
	for _, wd := range widths {
		sep += strings.Repeat("-", wd+2) + "+"
	}
	line := func(r []string, center bool) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range r {
			pad := widths[i] - len(c)
			if center {
				b.WriteString(" " + strings.Repeat(" ", pad/2) + c + strings.Repeat(" ", pad-pad/2) + " |")
			} else {
				b.WriteString(" " + strings.Repeat(" ", pad) + c + " |")
			}
		}
		fmt.Fprintln(w, b.String())
	}
	fmt.Fprintln(w, sep)
	line(rows[0], true)
	fmt.Fprintln(w, sep)
	for _, r := range rows[1:] {
		line(r, false)
	}
	fmt.Fprintln(w, sep)
}
