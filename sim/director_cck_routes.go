package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// addCCKRoutes adds the cloud-check endpoints (reference §4).
func (f *Foundation) addCCKRoutes(rt *router) {
	rt.add("POST", "/deployments/:d/scans", "", f.postScans)
	rt.add("GET", "/deployments/:d/problems", "", f.getProblems)
	rt.add("PUT", "/deployments/:d/problems", "", f.putProblems).consumesJSON = true
}

// deploymentAdmin finds a deployment the caller may change.
func (f *Foundation) deploymentAdmin(w http.ResponseWriter, c *call) *deployment {
	d := f.deploymentFor(w, c)
	if d == nil {
		return nil
	}
	if !requireScopes(w, f, c.user, f.subjectScopes(d.Teams, permAdmin)) {
		return nil
	}
	return d
}

// postScans starts a scan task; no body is needed.
func (f *Foundation) postScans(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentAdmin(w, c)
	if d == nil {
		return
	}
	f.mu.Lock()
	t := f.enqueueLocked(cckScanKind{d: d}, c.user.name, d.Name, r.Header.Get("X-Bosh-Context-Id"), d.Teams)
	f.mu.Unlock()
	redirectToTask(w, r, t)
}

// getProblems lists the open problems; it is not a task.
func (f *Foundation) getProblems(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentFor(w, c)
	if d == nil {
		return
	}
	f.cck.mu.Lock()
	out := f.cck.openProblemsJSON(f.cck.deployment(d))
	f.cck.mu.Unlock()
	writeJSON(w, http.StatusOK, htmlType, out)
}

// putProblems starts the task that applies resolutions.
func (f *Foundation) putProblems(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentAdmin(w, c)
	if d == nil {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		directorError(w, http.StatusBadRequest, 40000, "Cannot read request body")
		return
	}
	var req struct {
		Resolutions json.RawMessage `json:"resolutions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		directorError(w, http.StatusBadRequest, 40000, "Invalid JSON request body: "+err.Error())
		return
	}
	kind := cckApplyKind{d: d}
	if err := json.Unmarshal(req.Resolutions, &kind.answers); err != nil || kind.answers == nil {
		f.mu.Lock()
		t := f.enqueueLocked(badResolutionsKind{d: d, raw: req.Resolutions}, c.user.name, d.Name, r.Header.Get("X-Bosh-Context-Id"), d.Teams)
		f.mu.Unlock()
		redirectToTask(w, r, t)
		return
	}
	f.mu.Lock()
	t := f.enqueueLocked(kind, c.user.name, d.Name, r.Header.Get("X-Bosh-Context-Id"), d.Teams)
	f.mu.Unlock()
	redirectToTask(w, r, t)
}

// badResolutionsKind is an apply task whose resolutions are not a hash of
// id to name: the director's job fails before it does anything.
type badResolutionsKind struct {
	d   *deployment
	raw json.RawMessage
}

func (k badResolutionsKind) jobType() string     { return "cck_apply" }
func (k badResolutionsKind) description() string { return "apply resolutions" }
func (k badResolutionsKind) lock() *lockSpec     { return nil }
func (k badResolutionsKind) run(*taskRun) (string, error) {
	return "", &taskFailure{code: 410003, msg: fmt.Sprintf(
		"Invalid format for resolutions, Hash expected, %s is given", rubyClass(k.raw))}
}

// rubyClass names the Ruby class a JSON value decodes to.
func rubyClass(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return "NilClass"
	}
	switch v.(type) {
	case []any:
		return "Array"
	case string:
		return "String"
	case bool:
		return "TrueClass"
	case float64:
		return "Integer"
	}
	return "Hash"
}
