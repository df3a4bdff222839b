package tui

import (
	"context"
	"sync/atomic"
	"time"

	"bosun/bosh"
	"bosun/cache"
)

// wireFakes fills Options.Data from the test fakes' extra methods, as the
// command line fills it from bosun/app.
func wireFakes(o *Options) {
	d := &o.Data
	if cd, ok := o.Director.(*cckDirector); ok && d.CloudCheck == nil {
		cc, _ := o.Cache.(*cckCache)
		d.CloudCheck = recordingCCK{d: cd, c: cc}
	}
	if f, ok := o.Director.(LogsFetcher); ok && d.Logs == nil {
		d.Logs = f
	}
	if h, ok := o.Cache.(CCKHistory); ok && d.CCKHistory == nil {
		d.CCKHistory = h
	}
	if h, ok := o.Cache.(ClusterCache); ok && d.Clusters == nil {
		d.Clusters = h
	}
	if h, ok := o.Cache.(AuditHistory); ok && d.AuditHistory == nil {
		d.AuditHistory = h
	}
	if h, ok := o.Cache.(LogsIndex); ok && d.LogsIndex == nil {
		d.LogsIndex = h
	}
	if h, ok := o.Cache.(EventSource); ok && d.Events == nil {
		d.Events = h
	}
	if h, ok := o.Cache.(HistorySource); ok && d.History == nil {
		d.History = h
	}
}

// recordingCCK is the fake director's cloud-check with the recording the
// app layer does: every scan but a cancelled one, and every resolution.
type recordingCCK struct {
	d *cckDirector
	c *cckCache
}

func (r recordingCCK) ScanProblems(ctx context.Context, dep string, progress func(bosh.TaskEvent)) ([]bosh.Problem, cache.CCKRecord, error) {
	var taskID atomic.Int64
	probs, err := r.d.ScanProblems(ctx, dep, func(ev bosh.TaskEvent) {
		taskID.Store(int64(ev.TaskID))
		progress(ev)
	})
	rec := cache.ScanRecord(dep, "admin", int(taskID.Load()), time.Now(), probs, err)
	if r.c != nil && bosh.KindOf(err) != bosh.KindCanceled {
		r.c.RecordCCK("uuid-1", rec)
	}
	return probs, rec, err
}

func (r recordingCCK) ApplyResolutions(ctx context.Context, dep string, probs []bosh.Problem, answers []bosh.Answer, progress func(bosh.TaskEvent)) (bosh.ResolveOutcome, error) {
	out, err := r.d.ResolveProblems(ctx, dep, answers, progress)
	if r.c != nil {
		r.c.RecordCCK("uuid-1", cache.ResolveRecord(dep, "admin", time.Now(), probs, answers, out, err))
	}
	return out, err
}
