package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/pks"
)

func newEtcdCmd(g *globals) *cobra.Command {
	var name string
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:   "etcd -c CLUSTER",
		Short: "etcd health of a cluster's masters: every member, the leader, DB size",
		Long: "Runs etcdctl (endpoint health, member list, endpoint status) on the cluster's first master\n" +
			"through the director's SSH setup, as `bosh -d DEP ssh master/0` would, and reports every\n" +
			"member. Exit status 1 when a member is unhealthy. -c takes a cluster name, uuid or deployment.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				name = args[0]
			}
			if name == "" {
				return exitError{2, "which cluster? -c NAME, UUID or service-instance_ deployment"}
			}
			return runEtcd(cmd.Context(), g, &gf, name, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&name, "cluster", "c", "", "cluster name, uuid or service-instance_ deployment")
	gf.add(cmd)
	return cmd
}

func runEtcd(ctx context.Context, g *globals, gf *gatewayFlags, name string, out, errOut io.Writer) error {
	s, err := openGated(g, app.Plan{Kind: app.Read, Action: "etcd health", Cluster: name})
	if err != nil {
		return err
	}
	defer s.close()
	_, e, err := resolveCluster(ctx, g, s, name, false, errOut)
	if err != nil {
		return err
	}
	if e.Deployment == "" {
		return exitError{exitFailed, fmt.Sprintf("cluster %s has no deployment yet (%s): no masters to ask", e.Name, e.Link.Label())}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := etcdReport(ctx, s, gf, e.Name, e.Deployment, errOut)
	if err != nil {
		return err
	}
	if g.jsonOut {
		err = writeJSON(out, r)
	} else {
		err = writeEtcdTable(out, r)
	}
	if err == nil && !r.Healthy {
		return exitError{exitFound, ""}
	}
	return err
}

// etcdReport runs the etcdctl queries on master/0 of dep (app.EtcdReport)
// with the gateway settings. The TUI's etcd view calls it too.
func etcdReport(ctx context.Context, s *session, gf *gatewayFlags, cluster, dep string, errOut io.Writer) (pks.EtcdReport, error) {
	opts, err := gf.sshOptions(s, errOut)
	if err != nil {
		return pks.EtcdReport{}, exitError{2, err.Error()}
	}
	r, err := s.EtcdReport(ctx, cluster, dep, opts, func(msg string) { fmt.Fprintln(errOut, "bosun: warning: "+msg) })
	var none *app.NoHostError
	if errors.As(err, &none) {
		return r, exitError{exitFailed, none.Error()}
	}
	if err != nil {
		return r, appError(err)
	}
	return r, nil
}

func writeEtcdTable(w io.Writer, r pks.EtcdReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tMEMBER (INSTANCE)\tHEALTH\tLEADER\tDB SIZE\tVERSION")
	for _, m := range r.Members {
		health := "healthy"
		if m.Took != "" {
			health += " (" + m.Took + ")"
		}
		if !m.Healthy {
			health = "UNHEALTHY: " + m.Error
		}
		leader := ""
		if m.Leader {
			leader = "leader"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Endpoint, dash(m.Instance), health, dash(leader), dash(m.DBSize), dash(m.Version))
	}
	state := "healthy"
	if !r.Healthy {
		state = "UNHEALTHY"
	}
	fmt.Fprintf(tw, "\ncluster %s (%s): etcd %s, %d members\n", r.Cluster, r.Deployment, state, len(r.Members))
	return tw.Flush()
}
