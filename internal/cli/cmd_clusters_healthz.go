package cli

import (
	"context"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"bosun/app"
	"bosun/bosh"
	"bosun/pks"
)

// apiserverHealth reads every master's kube-apiserver /healthz over SSH
// through the director, or says why it did not. The SSH user the
// director adds is removed again before it returns.
func apiserverHealth(ctx context.Context, g *globals, s *session, gf *gatewayFlags, noSSH bool, e pks.Entry, errOut io.Writer) pks.APIServerReport {
	switch {
	case noSSH:
		return pks.SkippedAPIServers("--no-ssh")
	case g.readOnly:
		return pks.SkippedAPIServers("--read-only (SSH adds a user on the masters)")
	case g.offline:
		return pks.SkippedAPIServers("--offline")
	case e.Deployment == "":
		return pks.SkippedAPIServers("no deployment yet")
	}
	opts, err := gf.sshOptions(s, errOut)
	if err != nil {
		return pks.SkippedAPIServers("SSH: " + oneLine(err.Error()))
	}
	sess, err := s.OpenSSH(ctx, app.Read, "kube-apiserver health", bosh.SSHTarget{Deployment: e.Deployment, Group: "master"}, opts)
	if err != nil {
		return pks.SkippedAPIServers("SSH setup failed: " + oneLine(err.Error()))
	}
	defer func() {
		if err := sess.Close(); err != nil {
			fmt.Fprintln(errOut, "bosun: warning: SSH cleanup failed, the user "+sess.User()+" may remain: "+oneLine(err.Error()))
		}
	}()
	if len(sess.Hosts) == 0 {
		return pks.SkippedAPIServers("the director set up SSH on no master")
	}
	return pks.CheckAPIServers(ctx, sess, sess.Hosts, pks.DefaultLayout, 0)
}

// apiserverText is the detail's one-line summary of the check.
func apiserverText(r pks.APIServerReport) string {
	if !r.Checked {
		return "not checked: " + r.Skipped
	}
	ok := 0
	for _, c := range r.Masters {
		if c.Healthy {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d masters ok", ok, len(r.Masters))
}

// checkAPIServers reads the masters' /healthz of every cluster with a
// deployment, a few clusters at a time (each is a director SSH setup).
func (l *clusterListing) checkAPIServers(ctx context.Context, g *globals, s *session, gf *gatewayFlags, errOut io.Writer) {
	l.apiserver = map[string]pks.APIServerReport{}
	var mu sync.Mutex
	var group errgroup.Group
	group.SetLimit(4)
	for _, e := range l.entries {
		if e.Deployment == "" {
			continue
		}
		group.Go(func() error {
			rep := apiserverHealth(ctx, g, s, gf, false, e, errOut)
			mu.Lock()
			l.apiserver[e.Deployment] = rep
			mu.Unlock()
			return nil
		})
	}
	group.Wait()
}
