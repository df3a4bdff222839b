package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// userVisibleTypes are the task types GET /tasks shows at verbose 1.
var userVisibleTypes = []string{
	"attach_disk", "create_snapshot", "delete_deployment", "delete_release", "delete_snapshot", "delete_stemcell",
	"run_errand", "snapshot_deployment", "update_instance", "update_deployment", "update_release",
	"update_stemcell", "export_release",
}

// getTasks lists tasks, newest first, with the director's filters.
func (f *Foundation) getTasks(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	var states []string
	if s := q.Get("state"); s != "" {
		states = strings.Split(s, ",")
	}
	verbose := q.Get("verbose")
	if verbose == "" {
		verbose = "1"
	}
	limit := -1
	if _, ok := q["limit"]; ok {
		limit, _ = strconv.Atoi(q.Get("limit"))
		limit = max(limit, 1)
	}
	global := c.user.hasAny(f.directorScopes(c.user, permRead))
	f.mu.Lock()
	var picked []*task
	for _, t := range f.tasks {
		switch {
		case len(states) > 0 && !slices.Contains(states, t.State),
			verbose == "1" && !slices.Contains(userVisibleTypes, t.Type),
			q.Has("context_id") && t.ContextID != q.Get("context_id"),
			q.Has("deployment") && t.Deployment != q.Get("deployment"),
			!global && !c.user.hasAny(teamAdminScopes(t.Teams)):
			continue
		}
		picked = append(picked, t)
	}
	sort.SliceStable(picked, func(i, j int) bool {
		if !picked[i].stamp.Equal(picked[j].stamp) {
			return picked[i].stamp.After(picked[j].stamp)
		}
		return picked[i].ID > picked[j].ID
	})
	if limit > 0 && len(picked) > limit {
		picked = picked[:limit]
	}
	out := make([]taskJSON, 0, len(picked))
	for _, t := range picked {
		out = append(out, t.json())
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", out)
}

func teamAdminScopes(teams []string) []string {
	var s []string
	for _, t := range teams {
		s = append(s, "bosh.teams."+t+".admin")
	}
	return s
}

// taskFor finds a task, answering 404 code 10000 otherwise. It returns the
// task's JSON and teams, read under the lock.
func (f *Foundation) taskFor(w http.ResponseWriter, c *call) *task {
	id := c.params["id"]
	n, err := strconv.Atoi(id)
	f.mu.Lock()
	t := f.byID[n]
	f.mu.Unlock()
	if err != nil || t == nil {
		directorError(w, http.StatusNotFound, 10000, "Task "+id+" not found")
		return nil
	}
	return t
}

func (f *Foundation) getTask(w http.ResponseWriter, r *http.Request, c *call) {
	t := f.taskFor(w, c)
	if t == nil {
		return
	}
	if scopes := f.subjectScopes(t.Teams, permRead); !c.user.hasAny(scopes) {
		f.refuseScope(w, "One of the following scopes is required to access this task: "+strings.Join(scopes, ", "))
		return
	}
	f.mu.Lock()
	j := t.json()
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", j)
}

// getTaskOutput serves event, result, debug or cpi output with the
// director's Range rules.
func (f *Foundation) getTaskOutput(w http.ResponseWriter, r *http.Request, c *call) {
	t := f.taskFor(w, c)
	if t == nil {
		return
	}
	typ := r.URL.Query().Get("type")
	switch typ {
	case "", "debug", "cpi":
		if !requireScopes(w, f, c.user, f.subjectScopes(t.Teams, permAdmin)) {
			return
		}
	case "event", "result", "none":
		if !requireScopes(w, f, c.user, f.subjectScopes(t.Teams, permRead)) {
			return
		}
	default:
		f.refuseScope(w, "Unknown type "+typ)
		return
	}
	f.mu.Lock()
	var out []byte
	switch typ {
	case "event":
		out = append(out, t.eventOutput()...)
	case "result":
		out = append(out, t.resultOutput()...)
	case "cpi":
		out = nil
	default:
		out = append(out, t.debug...)
	}
	f.mu.Unlock()
	switch {
	case typ == "none", typ == "cpi" && len(out) == 0:
		w.WriteHeader(http.StatusNoContent)
	case typ == "event" || typ == "result":
		serveRange(w, r, out, htmlType, "Byte range unsatisfiable")
	default:
		serveRange(w, r, out, "text/plain", "")
	}
}

// serveRange applies Rack's byte_ranges: no Range (or several) gives 200
// with everything, one satisfiable range 206, none satisfiable 416.
func serveRange(w http.ResponseWriter, r *http.Request, body []byte, contentType, unsatisfiable string) {
	size := len(body)
	ranges, ok := byteRanges(r.Header.Get("Range"), size)
	switch {
	case !ok || len(ranges) > 1:
		textReply(w, http.StatusOK, contentType, string(body))
	case len(ranges) == 0:
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		textReply(w, http.StatusRequestedRangeNotSatisfiable, contentType, unsatisfiable)
	default:
		rg := ranges[0]
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rg[0], rg[1], size))
		textReply(w, http.StatusPartialContent, contentType, string(body[rg[0]:rg[1]+1]))
	}
}

// byteRanges parses a Range header as Rack::Utils.get_byte_ranges does.
// ok is false when the header is absent or not understood.
func byteRanges(h string, size int) (ranges [][2]int, ok bool) {
	spec, found := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !found || spec == "" {
		return nil, false
	}
	if i := strings.IndexByte(spec, ';'); i >= 0 {
		spec = spec[:i]
	}
	ranges = [][2]int{}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		first, last, dash := strings.Cut(part, "-")
		if !dash {
			return nil, false
		}
		var r0, r1 int
		if first == "" {
			if last == "" {
				return nil, false
			}
			r0, r1 = max(size-rubyInt(last), 0), size-1
		} else {
			r0 = rubyInt(first)
			if last == "" {
				r1 = size - 1
			} else {
				r1 = rubyInt(last)
				if r1 < r0 {
					return nil, false
				}
				r1 = min(r1, size-1)
			}
		}
		if r0 <= r1 {
			ranges = append(ranges, [2]int{r0, r1})
		}
	}
	return ranges, true
}

// rubyInt converts like Ruby's String#to_i: leading digits, else 0.
func rubyInt(s string) int {
	n := 0
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			break
		}
		n = n*10 + int(ch-'0')
		if n > 1<<40 {
			break
		}
	}
	return n
}

// deleteTask is DELETE /task/:id: cancel one task.
func (f *Foundation) deleteTask(w http.ResponseWriter, r *http.Request, c *call) {
	t := f.taskFor(w, c)
	if t == nil {
		return
	}
	f.mu.Lock()
	err := f.cancelLocked(t)
	f.mu.Unlock()
	if err != nil {
		textReply(w, http.StatusBadRequest, htmlType, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// postTasksCancel is POST /tasks/cancel: cancel the tasks a selector picks.
func (f *Foundation) postTasksCancel(w http.ResponseWriter, r *http.Request, c *call) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var sel map[string]any
	if err != nil || json.Unmarshal(body, &sel) != nil {
		w.WriteHeader(http.StatusInternalServerError) // the director's JSON.parse error is not a director error
		return
	}
	states := []string{stateQueued}
	if raw, present := sel["states"]; present && raw != nil {
		list, ok := stringList(raw)
		if !ok {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		for _, s := range list {
			if s != stateQueued && s != stateProcessing {
				textReply(w, http.StatusBadRequest, htmlType, s+" is not one of the cancellable states: queued, processing")
				return
			}
		}
		if len(list) > 0 {
			states = list
		}
	}
	types, _ := stringList(sel["types"])
	dep, hasDep := sel["deployment"].(string)
	f.mu.Lock()
	for _, t := range f.tasks {
		if !slices.Contains(states, t.State) || len(types) > 0 && !slices.Contains(types, t.Type) || hasDep && t.Deployment != dep {
			continue
		}
		f.cancelLocked(t) // tasks that cannot be cancelled any more are skipped, as the director does
	}
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func (f *Foundation) refuseScope(w http.ResponseWriter, msg string) {
	f.mu.Lock()
	f.stats.ScopeRefusals++
	f.mu.Unlock()
	directorError(w, http.StatusUnauthorized, 600000, msg)
}
