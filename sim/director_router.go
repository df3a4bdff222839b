package sim

import (
	"mime"
	"net/http"
	"strings"
	"time"
)

// call is what a route handler gets besides the request.
type call struct {
	params map[string]string
	user   *principal
}

type handler func(w http.ResponseWriter, r *http.Request, c *call)

// route is one director endpoint. perm is the director-level permission
// checked before the handler ("admin", "read", or "" when the handler
// checks against a deployment or task itself).
type route struct {
	method       string
	pattern      string
	parts        []string
	perm         string
	consumesJSON bool
	h            handler
}

// router matches director routes the way the director's Rack mounts and
// Sinatra controllers do: a path outside every mount point is Rack's plain
// "Not Found: <path>"; inside a mount point authentication runs first, then
// an unknown route is the controller's "Endpoint '<path>' not found.".
type router struct {
	routes   []*route
	mounts   map[string]bool
	notFound map[string]string // mount → body of its own not_found handler
}

// directorMounts are the director's controller mount points (v280).
var directorMounts = []string{
	"cleanup", "cloud_configs", "runtime_configs", "cpi_configs", "configs", "deployments", "deployment_configs",
	"disks", "director", "networks", "orphan_disks", "orphaned_vms", "info", "locks", "packages", "releases",
	"resources", "resurrection", "stemcells", "stemcell_uploads", "task", "tasks", "events", "vms", "jobs",
	"link_providers", "link_consumers", "link_address", "links", "deployed_variables",
}

func newRouter() *router {
	rt := &router{mounts: map[string]bool{}, notFound: map[string]string{"events": "Event not found"}}
	for _, m := range directorMounts {
		rt.mounts[m] = true
	}
	return rt
}

func (rt *router) add(method, pattern, perm string, h handler) *route {
	r := &route{method: method, pattern: pattern, parts: strings.Split(strings.Trim(pattern, "/"), "/"), perm: perm, h: h}
	rt.routes = append(rt.routes, r)
	return r
}

// match finds the route for a request and its path parameters.
func (rt *router) match(r *http.Request) (*route, map[string]string) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for _, ro := range rt.routes {
		if ro.method != r.Method || len(ro.parts) != len(parts) {
			continue
		}
		if ro.consumesJSON && !isJSON(r.Header.Get("Content-Type")) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, p := range ro.parts {
			switch {
			case strings.HasPrefix(p, ":"):
				if parts[i] == "" {
					ok = false
				}
				params[p[1:]] = parts[i]
			case p != parts[i]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return ro, params
		}
	}
	return nil, nil
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// serveDirector is the director's HTTP entry point.
func (f *Foundation) serveDirector(w http.ResponseWriter, r *http.Request) {
	if !f.delay(w, r) {
		return
	}
	mount, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !f.routes.mounts[mount] {
		f.countRequest("unmatched")
		textReply(w, http.StatusNotFound, "text/html", "Not Found: "+r.URL.Path)
		return
	}
	ro, params := f.routes.match(r)
	c := &call{params: params}
	if mount != "info" {
		w.Header().Set("WWW-Authenticate", `Basic realm="BOSH Director"`)
		if c.user = f.authenticate(r); c.user == nil {
			f.mu.Lock()
			f.stats.Unauthorized++
			f.mu.Unlock()
			f.countRoute(ro)
			textReply(w, http.StatusUnauthorized, "text/html;charset=utf-8", "Not authorized: '"+r.URL.Path+"'\n")
			return
		}
		if len(r.Header.Get("X-Bosh-Context-Id")) > 64 {
			f.countRoute(ro)
			directorError(w, http.StatusBadRequest, 70010, "X-Bosh-Context-Id cannot be more than 64 characters in length")
			return
		}
		if f.takeErrorBurst() {
			f.countRoute(ro)
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	}
	f.countRoute(ro)
	if ro == nil {
		body, ok := f.routes.notFound[mount]
		if !ok {
			body = "Endpoint '" + r.URL.Path + "' not found."
		}
		textReply(w, http.StatusNotFound, "text/html;charset=utf-8", body)
		return
	}
	if ro.perm != "" && !requireScopes(w, f, c.user, f.directorScopes(c.user, ro.perm)) {
		return
	}
	ro.h(w, r, c)
}

func (f *Foundation) countRoute(ro *route) {
	if ro == nil {
		f.countRequest("unmatched")
		return
	}
	f.countRequest(ro.method + " " + ro.pattern)
}

// takeErrorBurst consumes one request of the ErrorBurst fault.
func (f *Foundation) takeErrorBurst() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults.ErrorBurst <= 0 {
		return false
	}
	f.faults.ErrorBurst--
	f.stats.ServerErrors++
	return true
}

// delay sleeps the simulated network latency. It answers 503 and returns
// false when the foundation closes or the client goes away meanwhile.
func (f *Foundation) delay(w http.ResponseWriter, r *http.Request) bool {
	if f.opts.Latency <= 0 {
		return true
	}
	t := time.NewTimer(f.opts.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-f.closing:
		w.WriteHeader(http.StatusServiceUnavailable)
	case <-r.Context().Done():
	}
	return false
}

func textReply(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// directorError writes the director's JSON error body.
func directorError(w http.ResponseWriter, status, code int, desc string) {
	writeJSON(w, status, "text/html;charset=utf-8", map[string]any{"code": code, "description": desc})
}
