package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"bosun/bosh"
	"bosun/pks"
)

const clustersHelp = `Lists the PKS/TKGI clusters with their BOSH deployments (service-instance_<uuid>)
and a health roll-up of masters and workers from the director's instance details.

Cluster names come from the PKS API (--pks-api, PKS_API, or the session that
"tkgi login" saved). When it cannot be reached, the last cached list stands in,
else the cluster deployments are listed without names. A cluster the API knows
but the director does not is labelled "no deployment yet"; a service-instance_
deployment no cluster names is an "orphan deployment".`

func newClustersCmd(g *globals) *cobra.Command {
	var noHealth, healthz bool
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:     "clusters",
		Aliases: []string{"cls"},
		Short:   "List PKS clusters with their deployments and health",
		Long:    clustersHelp,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := openSession(g)
			if err != nil {
				return err
			}
			defer s.close()
			l, err := loadClusters(cmd.Context(), g, s, !noHealth || healthz, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if healthz {
				l.checkAPIServers(cmd.Context(), g, s, &gf, cmd.ErrOrStderr())
			}
			if g.jsonOut {
				out := make([]clusterJSON, len(l.entries))
				for i, e := range l.entries {
					out[i] = l.toJSON(e)
				}
				if err := writeJSON(cmd.OutOrStdout(), out); err != nil {
					return err
				}
				return l.partial()
			}
			if err := writeClustersTable(cmd.OutOrStdout(), l, g.table()); err != nil {
				return err
			}
			return l.partial()
		},
	}
	cmd.Flags().BoolVar(&noHealth, "no-health", false, "skip the health roll-up (no director task per cluster)")
	cmd.Flags().BoolVar(&healthz, "healthz", false, "also read each master's kube-apiserver /healthz over SSH (slower: an SSH setup per cluster)")
	gf.add(cmd)
	return cmd
}

func newClusterCmd(g *globals) *cobra.Command {
	var name string
	var noSSH bool
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:   "cluster [NAME]",
		Short: "Show one PKS cluster: details, deployment, masters and workers, health",
		Long: "Shows one cluster, named by -c or the argument: a cluster name, its uuid or its\n" +
			"service-instance_<uuid> deployment.\n\n" +
			"The health roll-up adds each master's kube-apiserver /healthz, read over SSH through\n" +
			"the director (as `bosh -d DEP ssh master` would; the director adds a temporary user).\n" +
			"--no-ssh, --read-only and --offline leave it out.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 1 && name != "" && args[0] != name:
				return exitError{2, "give the cluster once: as the argument or with -c"}
			case len(args) == 1:
				name = args[0]
			case name == "":
				return exitError{2, "which cluster? give a name, uuid or deployment (bosun cluster NAME)"}
			}
			return runCluster(cmd.Context(), g, &gf, noSSH, name, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&name, "cluster", "c", "", "cluster name, uuid or service-instance_ deployment")
	cmd.Flags().BoolVar(&noSSH, "no-ssh", false, "skip the masters' kube-apiserver /healthz (no SSH)")
	gf.add(cmd)
	return cmd
}

// clusterJSON is one row of `bosun clusters --json` (DESIGN.md shape plus
// the link and health roll-up).
type clusterJSON struct {
	Name                  string        `json:"name"`
	UUID                  string        `json:"uuid"`
	PlanName              string        `json:"plan_name"`
	LastAction            string        `json:"last_action"`
	LastActionState       string        `json:"last_action_state"`
	LastActionDescription string        `json:"last_action_description"`
	KubernetesMasterIPs   []string      `json:"kubernetes_master_ips"`
	Workers               int           `json:"workers"`
	Deployment            *string       `json:"deployment"`
	Link                  pks.Link      `json:"link"`
	K8sVersion            *string       `json:"k8s_version"`
	PKSVersion            *string       `json:"pks_version"`
	Health                *pks.Health   `json:"health"`
	LastCloudCheck        *lastScanJSON `json:"last_cloud_check"` // from the cache's history
	Audit                 *string       `json:"audit"`            // on, off, mixed: as bosun last left it
	// APIServer is each master's kube-apiserver /healthz, folded into
	// Health: always in `bosun cluster NAME`, with --healthz in the list.
	APIServer *pks.APIServerReport `json:"kube_apiserver"`
	// Source is "live" or "cache": where the cluster record came from,
	// fetched at FetchedAt; NamesFrom says who named it ("pks-api",
	// "cache", or "deployments" when no cluster list was to be had).
	Source    string    `json:"source"`
	FetchedAt time.Time `json:"fetched_at"`
	NamesFrom string    `json:"names_from"`
}

// optString is s, or null for "" (unknown).
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// lastScanJSON is the last cloud-check scan bosun recorded for a deployment.
type lastScanJSON struct {
	At       time.Time `json:"at"`
	Outcome  string    `json:"outcome"`
	Problems int       `json:"problems"`
}

func (l *clusterListing) toJSON(e pks.Entry) clusterJSON {
	j := clusterJSON{Name: e.Name, UUID: e.UUID, KubernetesMasterIPs: []string{}, Link: e.Link,
		Source: sourceLive, FetchedAt: l.at.UTC(), NamesFrom: l.source}
	if l.source == sourceCache || l.source == sourceDeployments && !l.depsLive {
		j.Source = sourceCache
	}
	if c := e.Cluster; c != nil {
		j.PlanName, j.LastAction, j.LastActionState, j.LastActionDescription = c.PlanName, c.LastAction, c.LastActionState, c.LastActionDescription
		j.KubernetesMasterIPs = nonNil(c.MasterIPs())
		j.Workers = c.Parameters.WorkerInstances
		j.K8sVersion, j.PKSVersion = optString(c.K8sVersion), optString(c.PKSVersion)
	}
	if e.Deployment != "" {
		dep := e.Deployment
		j.Deployment = &dep
		if rep, ok := l.apiserver[dep]; ok {
			j.APIServer = &rep
		}
	}
	if r, ok := l.cck[e.Deployment]; ok && e.Deployment != "" {
		j.LastCloudCheck = &lastScanJSON{At: r.At, Outcome: r.Outcome, Problems: r.Problems}
	}
	j.Audit = optString(l.audit[e.Deployment])
	if h, ok := l.health[e.Deployment]; ok {
		if rep, ok := l.apiserver[e.Deployment]; ok && e.Deployment != "" {
			h.Problems = append([]string{}, h.Problems...)
			h.AddAPIServers(rep)
		}
		j.Health = &h
		if j.Workers == 0 {
			j.Workers = h.Workers
		}
		if len(j.KubernetesMasterIPs) == 0 && e.Cluster == nil {
			j.KubernetesMasterIPs = masterIPs(l.insts[e.Deployment])
		}
	}
	return j
}

// masterIPs reads the master addresses off the deployment, for a cluster
// whose API record is not known.
func masterIPs(insts []bosh.Instance) []string {
	out := []string{}
	for _, in := range insts {
		if in.Group == "master" {
			out = append(out, in.IPs...)
		}
	}
	return out
}

func writeClustersTable(w io.Writer, l *clusterListing, o tableOpts) error {
	t := newTable(o, "NAME", "PLAN", "LAST ACTION", "MASTER IPS", "WORKERS", "HEALTH", "DEPLOYMENT")
	for _, e := range l.entries {
		j := l.toJSON(e)
		action := dash(strings.TrimSpace(j.LastAction + " " + j.LastActionState))
		ips := strings.Join(j.KubernetesMasterIPs, ",")
		if e.Cluster != nil && ips == "" && len(e.Cluster.KubernetesMasterIPs) > 0 {
			ips = strings.Join(e.Cluster.KubernetesMasterIPs, ",") // "In Progress"
		}
		dep := dash(e.Deployment)
		if lbl := e.Link.Label(); lbl != "" {
			dep = lbl
			if e.Deployment != "" && e.Link != pks.LinkOrphan && e.Link != pks.LinkNameUnknown {
				dep = e.Deployment + " (" + lbl + ")"
			}
		}
		t.row(e.Name, dash(j.PlanName), action, dash(ips), workersText(j), healthText(j.Health), dep)
	}
	if err := t.flush(w); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d clusters (names from %s)\n", len(l.entries), l.source)
	return err
}

func workersText(j clusterJSON) string {
	if j.Health != nil && j.Health.Workers > 0 {
		return fmt.Sprintf("%d/%d", j.Health.WorkersRunning, j.Health.Workers)
	}
	if j.Workers > 0 {
		return fmt.Sprint(j.Workers)
	}
	return "-"
}

// healthText is "healthy", or the state with its counts:
// "degraded: 1 failing, 1 unresponsive".
func healthText(h *pks.Health) string {
	if h == nil {
		return "-"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{h.Failing, "failing"}, {h.Unresponsive, "unresponsive"}, {h.Stopped, "stopped"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	if len(parts) == 0 {
		return h.State
	}
	return h.State + ": " + strings.Join(parts, ", ")
}

// resolveCluster finds the cluster an operator named (name, uuid or
// deployment) in a fresh listing; other commands' -c flags use it too.
func resolveCluster(ctx context.Context, g *globals, s *session, arg string, withHealth bool, errOut io.Writer) (*clusterListing, pks.Entry, error) {
	l, err := loadClusters(ctx, g, s, false, errOut)
	if err != nil {
		return nil, pks.Entry{}, err
	}
	e, err := pks.Resolve(arg, l.entries)
	if err != nil {
		return nil, pks.Entry{}, exitError{exitFailed, err.Error()}
	}
	if withHealth && e.Deployment != "" {
		l.entries = []pks.Entry{e}
		l.rollUp(ctx, g, s, errOut)
	}
	return l, e, nil
}
