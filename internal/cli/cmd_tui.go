package cli

import (
	"context"
	"io"
	"time"

	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
	"bosun/tui"
)

func runTUI(ctx context.Context, g *globals) error {
	s, err := openSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	o := tui.Options{
		Environment:  s.envName,
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
	if s.cacheErr != nil {
		o.Notice = "cache unavailable: " + oneLine(s.cacheErr.Error())
	}
	if s.store != nil {
		o.Cache = s.store
		if info, _, err := s.store.DirectorFor(s.cacheKey()); err == nil {
			o.Cached = info
		}
	}
	if s.demo != nil && s.store != nil {
		// The demo's sink traffic feeds the events screen (cmd_events_demo.go).
		if ev := startDemoEvents(ctx, s); ev != nil {
			defer ev.close()
			o.Cache = demoCache{Store: s.store, events: ev}
		}
	}
	if s.client != nil {
		o.Director = rememberingDirector{Client: s.client, store: s.store, key: s.cacheKey()}
		o.Shell = tuiShell{s: s}   // cmd_ssh_tui.go
		o.Audit = tuiAuditor{s: s} // cmd_audit_tui.go
	}
	if c, err := s.pksClient(); err == nil && !g.offline {
		o.PKS, o.PKSAPI = c, c.Target().API
	}
	if s.client != nil && !g.readOnly {
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

// rememberingDirector records each successful /info answer in the cache,
// so that the next start (and --offline) knows which director's rows to show.
type rememberingDirector struct {
	*bosh.Client
	store *cache.Store
	key   string
}

func (d rememberingDirector) Info(ctx context.Context) (bosh.Info, error) {
	info, err := d.Client.Info(ctx)
	if err == nil && d.store != nil {
		d.store.RememberDirector(d.key, info, time.Now())
	}
	return info, err
}
