package bosh

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Log types an agent packs.
var LogTypes = []string{"job", "agent", "system"}

// LogsRequest says whose logs to fetch and where the bundle goes.
type LogsRequest struct {
	Deployment string   // required, except that "pks"/"pks/N" finds the PKS control plane
	Instance   string   // "group", "group/index", "group/uuid"; "" for the whole deployment
	Types      []string // "job" (the default), "agent", "system"
	Jobs       []string // only these jobs' logs (filters "<job>/**/*")
	Filters    []string // globs relative to the log directory, as `bosh logs --only`
	Dir        string   // default "."
}

// Bundle is a logs bundle written to disk.
type Bundle struct {
	Path        string       `json:"path"`
	Bytes       int64        `json:"bytes"`
	SHA256      string       `json:"sha256"`
	Deployment  string       `json:"-"`
	Instance    string       `json:"-"` // the target's label: "group/0", "group", "" for all
	Type        string       `json:"-"` // "job", "agent,job", ...
	FetchedAt   time.Time    `json:"-"`
	TaskID      int          `json:"-"`
	BlobstoreID string       `json:"-"`
	Resumed     int64        `json:"-"` // bytes a killed run had downloaded, reused`
	Files       []BundleFile `json:"-"` // nil: not listed yet
}

// Fetch stages reported through LogsProgress.
const (
	StageResolve  = "resolving"
	StageTask     = "packing"
	StageRehash   = "checking the partial download"
	StageDownload = "downloading"
)

// LogsProgress is the state of a fetch: its stage, the director task and,
// while downloading (or re-reading a partial download), the bytes so far.
// A report with a Notice tells the user something once (a stale partial
// download removed, a download resumed or started over); the caller shows
// it as a line of its own.
type LogsProgress struct {
	Stage  string
	TaskID int
	Progress
	Notice string
}

// FetchLogs resolves the target, has the director pack the logs (a
// "fetch logs" task whose result is a blobstore id) and downloads the
// bundle to the bosh CLI's file name in req.Dir, through a hidden .part
// file renamed at the end. A partial download that a killed or broken-off
// run of the same request left in req.Dir is resumed when the director
// still serves its blob, without a new task (logs_resume.go); partial
// downloads not written for a day are removed first. On failure no file
// is left that looks complete. When ctx ends while the director task runs,
// the task is cancelled. The bundle's files are not listed here (Files
// stays nil): that means reading all of it, which takes several times as
// long as the download; ScanBundleFile does it when the list is wanted.
func (c *Client) FetchLogs(ctx context.Context, req LogsRequest, progress func(LogsProgress)) (Bundle, error) {
	op := "fetch logs"
	report := func(p LogsProgress) {
		if progress != nil {
			progress(p)
		}
	}
	types, filters, err := logsQuery(req)
	if err != nil {
		return Bundle{}, err
	}
	dir := req.Dir
	if dir == "" {
		dir = "."
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return Bundle{}, &Error{Kind: KindConfig, Op: op, Description: fmt.Sprintf("%s is not a directory bosun can write to", dir)}
	}
	now := time.Now()
	for _, p := range sweepStaleParts(dir, now) {
		report(LogsProgress{Stage: StageResolve, Notice: p.notice(now)})
	}
	report(LogsProgress{Stage: StageResolve})
	t, err := c.ResolveLogs(ctx, req.Deployment, req.Instance)
	if err != nil {
		return Bundle{}, err
	}
	op = "fetch logs of " + strings.TrimSuffix(t.Deployment+"/"+t.Label(), "/")
	s, err := c.session(ctx, op)
	if err != nil {
		return Bundle{}, err
	}
	f := &logsFetch{c: c, s: s, op: op, dir: dir, t: t, types: types, filters: filters, report: report}
	return f.run(ctx)
}

// ResolveLogs finds the deployment (the PKS control plane for "pks" when
// dep is empty) and checks the instance against its cheap listing.
func (c *Client) ResolveLogs(ctx context.Context, dep, instance string) (LogsTarget, error) {
	if dep == "" {
		if !IsPKSAlias(instance) && !strings.HasPrefix(instance, pksGroup) {
			return LogsTarget{}, &Error{Kind: KindConfig, Op: "fetch logs", Description: "no deployment named (-d or BOSH_DEPLOYMENT)"}
		}
		deps, err := c.Deployments(ctx)
		if err != nil {
			return LogsTarget{}, err
		}
		var found []string
		for _, d := range deps {
			if IsPKSDeployment(d.Name) {
				found = append(found, d.Name)
			}
		}
		if len(found) != 1 {
			return LogsTarget{}, &Error{Kind: KindConfig, Op: "fetch logs", Description: fmt.Sprintf(
				"%d PKS control plane deployments found; name one with -d", len(found))}
		}
		dep = found[0]
	}
	insts, err := c.Instances(ctx, dep)
	if err != nil {
		return LogsTarget{}, err
	}
	return ResolveLogsTarget(dep, insts, instance)
}

// logsQuery checks the types and builds the filters of a request.
func logsQuery(req LogsRequest) (types string, filters []string, err error) {
	var ts []string
	for _, t := range req.Types {
		for _, p := range strings.Split(t, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if !slices.Contains(LogTypes, p) {
				return "", nil, &Error{Kind: KindConfig, Op: "fetch logs", Description: fmt.Sprintf("unknown log type %q (want job, agent or system)", p)}
			}
			if !slices.Contains(ts, p) {
				ts = append(ts, p)
			}
		}
	}
	if len(ts) == 0 {
		ts = []string{"job"}
	}
	// The director and the CLI list types in this order.
	var ordered []string
	for _, t := range []string{"agent", "job", "system"} {
		if slices.Contains(ts, t) {
			ordered = append(ordered, t)
		}
	}
	for _, j := range req.Jobs {
		if j = strings.TrimSpace(j); j == "" || strings.ContainsAny(j, "/,") {
			return "", nil, &Error{Kind: KindConfig, Op: "fetch logs", Description: fmt.Sprintf("not a job name: %q", j)}
		}
		filters = append(filters, j+"/**/*")
	}
	for _, f := range req.Filters {
		if strings.Contains(f, ",") {
			return "", nil, &Error{Kind: KindConfig, Op: "fetch logs", Description: fmt.Sprintf("a filter cannot contain a comma: %q", f)}
		}
		filters = append(filters, f)
	}
	return strings.Join(ordered, ","), filters, nil
}

// packLogs runs the fetch-logs task and returns its id and result, the
// blobstore id. started is called with the task id as soon as it is known.
func (c *Client) packLogs(ctx context.Context, s *session, t LogsTarget, types string, filters []string, started func(int)) (int, string, error) {
	group, idx := t.Group, t.IndexOrID
	if group == "" {
		group = "*"
	}
	if idx == "" {
		idx = "*"
	}
	q := url.Values{}
	if len(filters) > 0 {
		q.Set("filters", strings.Join(filters, ","))
	}
	q.Set("type", types)
	path := fmt.Sprintf("/deployments/%s/jobs/%s/%s/logs?%s", url.PathEscape(t.Deployment), url.PathEscape(group), url.PathEscape(idx), q.Encode())
	rep := &taskWatch{started: started}
	taskID, _, err := boshdir.NewTaskClientRequest(s.wire.request(ctx), rep, c.opts.PollInterval).GetResult(path)
	if taskID == 0 {
		taskID = rep.id()
	}
	if err != nil {
		if ctx.Err() != nil && taskID != 0 {
			// The operator gave up: stop the director's work too.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			s.wire.client(cctx).CancelTask(taskID)
			return taskID, "", ctx.Err()
		}
		e := classify("", c.target.URL, err).(*Error)
		if e.TaskID == 0 {
			e.TaskID = taskID
		}
		if e.Kind == KindTaskFailed && ctx.Err() == nil {
			if tr, terr := s.wire.client(ctx).Task(e.TaskID); terr == nil {
				e.Description = oneLine(tr.Result)
			}
		}
		return taskID, "", e
	}
	tr, err := s.wire.client(ctx).Task(taskID)
	if err != nil {
		return taskID, "", err
	}
	if strings.TrimSpace(tr.Result) == "" {
		return taskID, "", &Error{Kind: KindBadResponse, TaskID: taskID, Description: fmt.Sprintf("task %d finished without a blobstore id", taskID)}
	}
	return taskID, strings.TrimSpace(tr.Result), nil
}

// taskWatch is a director.TaskReporter that passes on the task id.
type taskWatch struct {
	mu      sync.Mutex
	taskID  int
	started func(int)
}

func (w *taskWatch) TaskStarted(id int) {
	w.mu.Lock()
	w.taskID = id
	w.mu.Unlock()
	if w.started != nil {
		w.started(id)
	}
}
func (w *taskWatch) TaskFinished(int, string)    {}
func (w *taskWatch) TaskOutputChunk(int, []byte) {}

func (w *taskWatch) id() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.taskID
}
