package app

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"bosun/bosh"
	"bosun/pks"
)

// ReadUsage asks the control plane for pod usage: the billing database
// on pks-db/0 (TKGI 1.7-1.8) or on the API VM (1.3-1.6), else the
// telemetry database on the API VM (PKS 1.0-1.2). only keeps one cluster
// deployment.
func (s *Session) ReadUsage(ctx context.Context, control string, names map[string]string, only string,
	since time.Time, opts bosh.SSHOptions, warn func(string)) (pks.UsageReport, error) {
	var lastErr error
	absent := 0 // VMs reached that have no usage database
	for _, group := range []string{"pks-db", "pivotal-container-service"} {
		sess, err := s.OpenSSH(ctx, Read, "usage", bosh.SSHTarget{Deployment: control, Group: group, IndexOrID: "0"}, opts)
		if err != nil {
			lastErr = err
			continue
		}
		r, found, err := usageOn(ctx, sess, group, names, only, since)
		closeSSH(sess, warn)
		switch {
		case err != nil:
			return r, fmt.Errorf("usage query on %s %s/0: %w", control, group, err)
		case found:
			return r, nil
		}
		absent++
	}
	if absent > 0 {
		return pks.UsageReport{}, pks.ErrNoBillingDB
	}
	return pks.UsageReport{}, fmt.Errorf("usage database not reached on %s: %w", control, lastErr)
}

// usageOn runs the queries on one VM; found is false when the VM has
// neither database (or no client).
func usageOn(ctx context.Context, sess *bosh.SSHSession, group string, names map[string]string, only string,
	since time.Time) (pks.UsageReport, bool, error) {
	run := func(cmd string) (string, int, error) {
		var o, e bytes.Buffer
		code, err := sess.Run(ctx, sess.Hosts[0], cmd, nil, &o, &e)
		if code != 0 && err == nil {
			return e.String(), code, nil
		}
		return o.String(), code, err
	}
	out, code, err := run(pks.BillingCommand(since))
	switch {
	case err != nil:
		return pks.UsageReport{}, false, err
	case code == 0:
		pods, err := pks.ParseBillingPods(out)
		if err != nil {
			return pks.UsageReport{}, false, err
		}
		if only != "" {
			var kept []pks.Pod
			for _, p := range pods {
				if p.Deployment == only {
					kept = append(kept, p)
				}
			}
			pods = kept
		}
		return pks.BuildUsage(pods, names, since, time.Now()), true, nil
	case code != 127 && !strings.Contains(out, "Unknown database"):
		return pks.UsageReport{}, false, fmt.Errorf("billing query exited %d: %s", code, oneLine(out))
	case group != "pivotal-container-service":
		return pks.UsageReport{}, false, nil
	}
	wq, dq := pks.TelemetryCommands(since)
	wm, code, err := run(wq)
	if err != nil || code == 127 || strings.Contains(wm, "Unknown database") {
		return pks.UsageReport{}, false, err
	}
	if code != 0 {
		return pks.UsageReport{}, false, fmt.Errorf("telemetry query exited %d: %s", code, oneLine(wm))
	}
	data, code, err := run(dq)
	if err != nil || code != 0 {
		return pks.UsageReport{}, false, fmt.Errorf("telemetry data query exited %d: %v %s", code, err, oneLine(data))
	}
	r, err := pks.BuildTelemetryUsage(wm, data, names, since, time.Now())
	if err != nil || only == "" {
		return r, err == nil, err
	}
	kept := r.Clusters[:0]
	for _, c := range r.Clusters {
		if c.Deployment == only {
			kept = append(kept, c)
			r.Watermark, r.WatermarkAt, r.PodHours = c.Watermark, c.WatermarkAt, c.PodHours
		}
	}
	r.Clusters = kept
	return r, true, nil
}
