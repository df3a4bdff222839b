package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/pks"
)

const usageHelp = `Pod usage from the PKS billing database (TKGI 1.3-1.8; it was removed in 1.9), read over SSH
on the control plane's pks-db VM (pivotal-container-service on versions before 1.7), or from the
telemetry database of PKS 1.0-1.2 on the API VM, which adds CPU and memory consumption:

  pods       distinct pods seen in the period
  watermark  the highest number of pods alive at the same moment in the period
             (each pod counts from its first_seen to its last_seen)
  pod-hours  consumption: the sum of the pods' lifetimes within the period

--since takes a date (2026-11-01), a date and time, or a duration back from now (7d, 36h).`

func newUsageCmd(g *globals) *cobra.Command {
	var cluster, since string
	var gf gatewayFlags
	cmd := &cobra.Command{
		Use:   "usage [--cluster NAME] [--since DATE]",
		Short: "Pods per cluster and namespace, watermark and pod-hours from the billing database",
		Long:  usageHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := parseSince(since, time.Now())
			if err != nil {
				return exitError{2, err.Error()}
			}
			return runUsage(cmd.Context(), g, &gf, cluster, from, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVarP(&cluster, "cluster", "c", "", "only this cluster (name, uuid or service-instance_ deployment)")
	cmd.Flags().StringVar(&since, "since", "7d", "start of the period: DATE, DATE TIME, or a duration back (7d, 36h)")
	gf.add(cmd)
	return cmd
}

// parseSince reads --since.
func parseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := parseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{"2006-01-02", pks.BillingTimeLayout, "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			if t.After(now) {
				return t, fmt.Errorf("--since %s is in the future", s)
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a date (2006-01-02), a date and time, or a duration such as 7d or 36h", s)
}

func runUsage(ctx context.Context, g *globals, gf *gatewayFlags, cluster string, since time.Time, out, errOut io.Writer) error {
	s, err := openGated(g, app.Plan{Kind: app.Read, Action: "usage", Cluster: cluster})
	if err != nil {
		return err
	}
	defer s.close()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := usageReport(ctx, g, s, gf, cluster, since, errOut)
	if err != nil {
		return err
	}
	if g.jsonOut {
		return writeJSON(out, r)
	}
	return writeUsageTable(out, r)
}

// usageReport reads the billing database and sums the pods up, for all
// clusters or the one named. The TUI's usage view calls it too.
func usageReport(ctx context.Context, g *globals, s *session, gf *gatewayFlags, cluster string, since time.Time, errOut io.Writer) (pks.UsageReport, error) {
	l, err := loadClusters(ctx, g, s, false, errOut)
	if err != nil {
		return pks.UsageReport{}, err
	}
	if l.control == "" {
		return pks.UsageReport{}, exitError{exitFailed, "no PKS control plane deployment (pivotal-container-service-<hex>) on this director"}
	}
	names := map[string]string{}
	for _, e := range l.entries {
		if e.Deployment != "" {
			names[e.Deployment] = e.Name
		} else if e.Cluster != nil {
			names[e.Cluster.Deployment()] = e.Name
		}
	}
	only := ""
	if cluster != "" {
		e, err := pks.Resolve(cluster, l.entries)
		if err != nil {
			return pks.UsageReport{}, exitError{exitFailed, err.Error()}
		}
		only = pks.DeploymentName(e.UUID)
	}
	return readUsage(ctx, s, gf, l.control, names, only, since, errOut)
}

// readUsage asks the control plane for pod usage (app.ReadUsage) with the
// gateway settings.
func readUsage(ctx context.Context, s *session, gf *gatewayFlags, control string, names map[string]string, only string,
	since time.Time, errOut io.Writer) (pks.UsageReport, error) {
	opts, err := gf.sshOptions(s, errOut)
	if err != nil {
		return pks.UsageReport{}, exitError{2, err.Error()}
	}
	r, err := s.ReadUsage(ctx, control, names, only, since, opts, func(msg string) { fmt.Fprintln(errOut, "bosun: warning: "+msg) })
	if errors.Is(err, pks.ErrNoBillingDB) {
		return r, exitError{exitFailed, pks.ErrNoBillingDB.Error()}
	}
	if err != nil {
		return r, appError(err)
	}
	return r, nil
}

func writeUsageTable(w io.Writer, r pks.UsageReport) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tPODS\tWATERMARK\tAT (UTC)\tPOD-HOURS\tTOP NAMESPACES")
	for _, c := range r.Clusters {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.0f\t%s\n", c.Cluster, c.Pods, c.Watermark, c.WatermarkAt.UTC().Format("2006-01-02 15:04"),
			c.PodHours, usageDetail(c))
	}
	fmt.Fprintf(tw, "\nall clusters: watermark %d pods at %s UTC, %.0f pod-hours, %s to %s (%s database)\n", r.Watermark,
		r.WatermarkAt.UTC().Format("2006-01-02 15:04"), r.PodHours, r.Since.UTC().Format("2006-01-02 15:04"),
		r.Until.UTC().Format("2006-01-02 15:04"), r.Schema)
	return tw.Flush()
}

// usageDetail is the top namespaces (billing) or the summed CPU and
// memory samples (telemetry, which knows no namespaces).
func usageDetail(c pks.ClusterUsage) string {
	if len(c.Namespaces) == 0 && c.CPUUsed != nil && c.MemoryUsed != nil {
		return fmt.Sprintf("cpu_used %d, memory_used %d MiB (summed hourly samples)", *c.CPUUsed, *c.MemoryUsed>>20)
	}
	return topNamespaces(c.Namespaces, 3)
}

func topNamespaces(ns map[string]int, n int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range ns {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var parts []string
	for i := 0; i < len(all) && i < n; i++ {
		parts = append(parts, fmt.Sprintf("%s %d", all[i].k, all[i].v))
	}
	return dash(strings.Join(parts, ", "))
}
