package bosh

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	boshdir "github.com/cloudfoundry/bosh-cli/v7/director"
)

// Cloud-check resolutions: answers, the resolve task and its outcome.

// Answer is the resolution chosen for one problem; an empty Resolution
// leaves the choice to the director (its auto resolution).
type Answer struct {
	ProblemID  int
	Resolution string
}

// ResolveOutcome is what the director did with a set of answers.
type ResolveOutcome struct {
	TaskID   int
	Applied  []int          // problems the director worked on (in id order)
	Failed   map[int]string // of those, the ones whose resolution failed, with the director's message
	Ignored  []int          // problems the director skipped: no longer open
	Resolved int            // the director's own count, from the task result
}

// Succeeded is the problems applied without error.
func (o ResolveOutcome) Succeeded() []int {
	var out []int
	for _, id := range o.Applied {
		if _, bad := o.Failed[id]; !bad {
			out = append(out, id)
		}
	}
	return out
}

// ResolveProblems applies answers to dep's problems (a director task that
// takes the deployment lock), streaming the task's events to progress.
// Before it asks, it checks that every answered problem is still open and
// that the deployment is not locked, and refuses otherwise. The outcome
// says what the director did even when the task failed; the error is then
// a KindTaskFailed *Error with the director's full message.
func (c *Client) ResolveProblems(ctx context.Context, dep string, answers []Answer, progress func(TaskEvent)) (ResolveOutcome, error) {
	op := "resolve problems of " + dep
	var out ResolveOutcome
	if dep == "" {
		return out, &Error{Kind: KindConfig, Op: "resolve problems", Description: "no deployment named"}
	}
	if len(answers) == 0 {
		return out, &Error{Kind: KindConfig, Op: op, Description: "no problems to resolve"}
	}
	s, err := c.session(ctx, op)
	if err != nil {
		return out, err
	}
	open, err := c.Problems(ctx, dep)
	if err != nil {
		return out, err
	}
	byID := map[int]Problem{}
	for _, p := range open {
		byID[p.ID] = p
	}
	var gone []string
	for _, a := range answers {
		p, ok := byID[a.ProblemID]
		switch {
		case !ok:
			gone = append(gone, strconv.Itoa(a.ProblemID))
		case a.Resolution != "" && !p.HasResolution(a.Resolution):
			return out, &Error{Kind: KindConfig, Op: op, Description: fmt.Sprintf(
				"problem %d (%s) has no resolution %q; it has %s", p.ID, p.Type, a.Resolution, resolutionNames(p))}
		}
	}
	if len(gone) > 0 {
		return out, &Error{Kind: KindNotFound, Op: op, Description: fmt.Sprintf(
			"problem %s no longer open (the deployment was scanned or resolved again meanwhile); scan again",
			strings.Join(gone, ", "))}
	}
	if err := c.checkLock(ctx, s, op, dep); err != nil {
		return out, err
	}

	body := struct {
		Resolutions map[string]*string `json:"resolutions"`
	}{Resolutions: map[string]*string{}}
	for _, a := range answers {
		var name *string
		if a.Resolution != "" {
			name = &a.Resolution
		}
		body.Resolutions[strconv.Itoa(a.ProblemID)] = name
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return out, &Error{Kind: KindConfig, Op: op, Err: err, Description: err.Error()}
	}
	rep := newEventReporter(progress)
	path := "/deployments/" + url.PathEscape(dep) + "/problems"
	err = c.runTask(ctx, s, rep, func() (taskShort, error) {
		var t taskShort
		return t, s.wire.request(ctx).Put(path, payload, cckJSONHeader, &t)
	})
	out = outcomeFrom(rep, byID, answers)
	if out.TaskID != 0 && ctx.Err() == nil {
		if t, terr := s.wire.client(ctx).Task(out.TaskID); terr == nil {
			fmt.Sscanf(t.Result, "%d resolved", &out.Resolved)
		}
	}
	if err != nil {
		return out, c.taskError(ctx, s, op, rep, err)
	}
	if len(out.Ignored) > 0 {
		ids := make([]string, len(out.Ignored))
		for i, id := range out.Ignored {
			ids[i] = strconv.Itoa(id)
		}
		return out, &Error{Kind: KindNotFound, Op: op, TaskID: out.TaskID, Description: fmt.Sprintf(
			"the director skipped problem %s: no longer open (scanned again meanwhile)", strings.Join(ids, ", "))}
	}
	return out, nil
}

func resolutionNames(p Problem) string {
	names := make([]string, len(p.Resolutions))
	for i, r := range p.Resolutions {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}

var (
	ignoringRe     = regexp.MustCompile(`^Ignoring problem (\d+) `)
	resolveErrorRe = regexp.MustCompile(`(?m)^Error resolving problem '(\d+)': (.*)$`)
)

// outcomeFrom reads what the apply task did from its events: a step per
// problem ("<description> (<type> <id>): <plan>" or "Ignoring problem N
// (...)"), failed steps, and the task's error listing each failure.
func outcomeFrom(rep *eventReporter, byID map[int]Problem, answers []Answer) ResolveOutcome {
	out := ResolveOutcome{TaskID: rep.id(), Failed: map[int]string{}}
	seen := map[int]bool{}
	for _, ev := range rep.all() {
		if ev.State == "error" {
			for _, m := range resolveErrorRe.FindAllStringSubmatch(ev.Error, -1) {
				id, _ := strconv.Atoi(m[1])
				out.Failed[id] = m[2]
			}
			continue
		}
		if ev.State != "finished" && ev.State != "failed" {
			continue
		}
		if m := ignoringRe.FindStringSubmatch(ev.Task); m != nil {
			id, _ := strconv.Atoi(m[1])
			out.Ignored = append(out.Ignored, id)
			continue
		}
		for _, a := range answers {
			p := byID[a.ProblemID]
			if seen[p.ID] || !strings.Contains(ev.Task, "("+p.Type+" ") || !strings.HasPrefix(ev.Task, firstLine(p.Description)) {
				continue
			}
			seen[p.ID] = true
			out.Applied = append(out.Applied, p.ID)
			if ev.State == "failed" && out.Failed[p.ID] == "" {
				out.Failed[p.ID] = ev.Error
			}
			break
		}
	}
	sort.Ints(out.Applied)
	sort.Ints(out.Ignored)
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// checkLock refuses when dep's deployment lock is held, naming the task
// that holds it.
func (c *Client) checkLock(ctx context.Context, s *session, op, dep string) error {
	locks, err := await(ctx, func() ([]boshdir.LockResp, error) { return s.wire.client(ctx).Locks() })
	if err != nil {
		return classify(op, c.target.URL, err)
	}
	for _, l := range locks {
		if l.Type != "deployment" || len(l.Resource) == 0 || l.Resource[0] != dep {
			continue
		}
		le := &LockError{Deployment: dep}
		le.TaskID, _ = strconv.Atoi(l.TaskID)
		if le.TaskID != 0 {
			if t, err := s.wire.client(ctx).Task(le.TaskID); err == nil {
				le.TaskDesc, le.TaskUser = t.Description, t.User
				if t.StartedAt > 0 {
					le.Since = time.Unix(t.StartedAt, 0)
				}
			}
		}
		return &Error{Kind: KindDirector, Op: op, URL: c.target.URL, TaskID: le.TaskID, Description: le.Error(), Err: le}
	}
	return nil
}

// taskError classifies a failed task call, with the director's full
// error message from the task's events (the task's result is cut short).
func (c *Client) taskError(ctx context.Context, s *session, op string, rep *eventReporter, err error) *Error {
	if ctx.Err() != nil {
		return classify(op, c.target.URL, ctx.Err()).(*Error)
	}
	e := classify(op, c.target.URL, err).(*Error)
	if e.TaskID == 0 {
		e.TaskID = rep.id()
	}
	if e.Kind != KindTaskFailed {
		return e
	}
	for _, ev := range rep.all() {
		if ev.State == "error" && ev.Error != "" {
			e.Description = oneLine(strings.ReplaceAll(ev.Error, "\n", "; "))
			return e
		}
	}
	if t, terr := s.wire.client(ctx).Task(e.TaskID); terr == nil {
		e.Description = oneLine(t.Result)
	}
	return e
}

func cckJSONHeader(r *http.Request) { r.Header.Set("Content-Type", "application/json") }
