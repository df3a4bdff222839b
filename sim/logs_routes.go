package sim

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// getLogs is GET /deployments/:d/jobs/:job/:index_or_id/logs: it starts a
// fetch-logs task for one instance, an instance group (index "*") or the
// whole deployment (job "*").
func (ls *logStore) getLogs(w http.ResponseWriter, r *http.Request, c *call) {
	f := ls.f
	d := f.deploymentFor(w, c)
	if d == nil {
		return
	}
	if !requireScopes(w, f, c.user, f.subjectScopes(d.Teams, permAdmin)) {
		return
	}
	group, idx := c.params["job"], c.params["index"]
	var picked []*instance
	for _, in := range d.Instances {
		if group != "*" && in.Group.Name != group {
			continue
		}
		if idx != "*" {
			if n, err := strconv.Atoi(idx); err == nil {
				if in.Index != n {
					continue
				}
			} else if in.ID != idx {
				continue
			}
		}
		picked = append(picked, in)
	}
	if len(picked) == 0 {
		directorError(w, http.StatusNotFound, 70001, fmt.Sprintf("'%s/%s/%s' doesn't exist", d.Name, group, idx))
		return
	}
	var withVM []*instance
	for _, in := range picked {
		if f.instanceNow(in).vm != nil {
			withVM = append(withVM, in)
		}
	}
	if len(withVM) == 0 {
		// The director fails with a plain Ruby error here.
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	q := r.URL.Query()
	k := fetchLogsKind{ls: ls, d: d, insts: withVM, types: splitList(q.Get("type")), filters: splitList(q.Get("filters"))}
	if len(k.types) == 0 {
		k.types = []string{"job"}
	}
	f.mu.Lock()
	t := f.enqueueLocked(k, c.user.name, d.Name, r.Header.Get("X-Bosh-Context-Id"), d.Teams)
	f.mu.Unlock()
	redirectToTask(w, r, t)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// fetchLogsKind is the director's FetchLogs job.
type fetchLogsKind struct {
	ls      *logStore
	d       *deployment
	insts   []*instance
	types   []string
	filters []string
}

func (k fetchLogsKind) jobType() string     { return "fetch_logs" }
func (k fetchLogsKind) description() string { return "fetch logs" }
func (k fetchLogsKind) lock() *lockSpec     { return nil }

func (k fetchLogsKind) run(x *taskRun) (string, error) {
	f := x.f
	for _, t := range k.types {
		if !slices.Contains(logTypes, t) {
			return "", &taskFailure{code: 450001, msg: fmt.Sprintf("Action Failed fetch_logs: Invalid log type: %s", t)}
		}
	}
	total := len(k.insts)
	group := total > 1
	stage := func(in *instance) string {
		return fmt.Sprintf("Fetching logs for %s (%d)", in.name(), in.Index)
	}
	for _, in := range k.insts {
		now := time.Now().Unix()
		x.event(stageLine{Time: now, Stage: stage(in), Tags: []string{}, Total: ptr(1), Task: "Finding and packing log files", Index: 1, State: "started"})
		if err := x.wait(f.opts.TaskTime / time.Duration(max(total, 1))); err != nil {
			return "", err
		}
		f.mu.Lock()
		fail := f.faults.FailLogs
		f.mu.Unlock()
		if s := f.instanceNow(in); fail || s.health() == healthUnresponsive {
			msg := fmt.Sprintf("Timed out sending 'fetch_logs' to instance: '%s', agent-id: '%s' after 45 seconds", in.name(), agentIDOf(s))
			x.event(stageLine{Time: time.Now().Unix(), Stage: stage(in), Tags: []string{}, Total: ptr(1), Task: "Finding and packing log files", Index: 1, State: "failed", Progress: 100, Data: map[string]string{"error": msg}})
			return "", &taskFailure{code: 450002, msg: msg}
		}
		x.event(stageLine{Time: time.Now().Unix(), Stage: stage(in), Tags: []string{}, Total: ptr(1), Task: "Finding and packing log files", Index: 1, State: "finished", Progress: 100})
	}
	if group {
		x.event(stageLine{Time: time.Now().Unix(), Stage: "Fetching group of logs", Tags: []string{}, Total: ptr(1), Task: "Packing log files together", Index: 1, State: "started"})
	}
	bw := bundleWriter{seed: f.opts.Seed, end: f.content.epoch, size: f.opts.LogSize}
	file, err := k.ls.bundle(k.key(), func(path, dir string) error {
		out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if group {
			err = bw.writeGroup(out, dir, k.insts, k.types, k.filters)
		} else {
			_, err = bw.write(out, k.insts[0], k.types, k.filters)
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if group {
		x.event(stageLine{Time: time.Now().Unix(), Stage: "Fetching group of logs", Tags: []string{}, Total: ptr(1), Task: "Packing log files together", Index: 1, State: "finished", Progress: 100})
	}
	return k.ls.put(file)
}

// key names what the bundle holds, so identical requests share a file.
func (k fetchLogsKind) key() string {
	ids := make([]string, len(k.insts))
	for i, in := range k.insts {
		ids[i] = in.ID
	}
	sort.Strings(ids)
	return strings.Join([]string{k.d.Name, strings.Join(ids, ","), strings.Join(k.types, ","), strings.Join(k.filters, ",")}, "|")
}

// getResource is GET /resources/:id: the blob's bytes, with Range
// support as nginx gives the real director. Under the DropDownloads fault
// the connection is cut halfway through the body; under HoldDownloadsAt
// it stalls at a byte. What it serves is counted (LogDownloads).
func (ls *logStore) getResource(rw http.ResponseWriter, r *http.Request, c *call) {
	id := c.params["id"]
	w, hold := ls.countDownload(rw, r, id)
	p, ok := ls.get(id)
	if !ok {
		directorError(w, http.StatusNotFound, 100002, fmt.Sprintf("Resource '%s' not found in the blobstore", id))
		return
	}
	file, err := os.Open(p)
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-gzip")
	if ls.f.takeDroppedDownload() {
		w.Header().Set("Content-Length", strconv.FormatInt(st.Size(), 10))
		w.WriteHeader(http.StatusOK)
		half := make([]byte, 32<<10)
		for sent := int64(0); sent < st.Size()/2; {
			n, err := file.Read(half)
			if err != nil {
				break
			}
			w.Write(half[:n])
			sent += int64(n)
		}
		w.Flush()
		panic(http.ErrAbortHandler) // the server drops the connection
	}
	if ls.serveHeld(w, r, hold, file, st.Size()) {
		return
	}
	http.ServeContent(w, r, "", time.Time{}, file)
}

// takeDroppedDownload consumes one download of the DropDownloads fault.
func (f *Foundation) takeDroppedDownload() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults.DropDownloads <= 0 {
		return false
	}
	f.faults.DropDownloads--
	return true
}
