package cli

import (
	"context"
	"io"
	"time"

	"bosun/pks"
	"bosun/tui"
)

func runTUI(ctx context.Context, g *globals) error {
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	s.SetWarn(nil) // the screen is the TUI's: no lines on stderr
	o := tui.Options{
		Environment:  s.EnvName,
		ReadOnly:     g.readOnly,
		Production:   g.production,
		Offline:      g.offline,
		NoColor:      g.noColor,
		RefreshEvery: g.refresh,
		DetailsEvery: g.details,
		Now:          time.Now,
	}
	if g.deployment != "" {
		o.StartScreen, o.StartDeployment = tui.StartInstances, g.deployment
	}
	if s.CacheErr != nil {
		o.Notice = "cache unavailable: " + oneLine(s.CacheErr.Error())
	}
	if c := s.Cache(); c != nil {
		o.Cache = c
		o.Cached = s.Known()
	}
	o.Data = tuiData(s)
	if s.demo != nil && s.Store != nil {
		// The demo's sink traffic feeds the events screen (cmd_events_demo.go).
		if ev := startDemoEvents(ctx, s); ev != nil {
			defer ev.close()
			o.Data.Events = ev
		}
	}
	if s.Client != nil {
		o.Director = s.Director()
		o.Shell = tuiShell{s: s} // cmd_ssh_tui.go
		o.Audit = s.Auditor((&gatewayFlags{}).sshOptions(s, io.Discard))
	}
	if c, err := s.PKSClient(); err == nil && !g.offline {
		o.PKS, o.PKSAPI = c, c.Target().API
	}
	if s.Client != nil && !g.readOnly {
		gf := &gatewayFlags{}
		o.Etcd = func(ctx context.Context, cluster, dep string) (pks.EtcdReport, error) {
			return etcdReport(ctx, s, gf, cluster, dep, io.Discard)
		}
		o.Usage = func(ctx context.Context, since time.Time) (pks.UsageReport, error) {
			return usageReport(ctx, g, s, gf, "", since, io.Discard)
		}
	}
	return tui.Run(o)
}

// tuiData is what the TUI's screens read and do, from the app session;
// each part stays nil when it is unavailable.
func tuiData(s *session) tui.Data {
	var d tui.Data
	if s.Store != nil {
		d.CCKHistory, d.AuditHistory, d.LogsIndex, d.Events = s.Store, s.Store, s.Store, s.Store
		d.Clusters, d.History = s.Cache(), s.Session
	}
	if s.Client != nil {
		d.CloudCheck, d.Logs = s.Confirmed(), s.Client
		d.Tasks, d.Activity = s.Confirmed(), s.Session
	}
	return d
}
