package sim

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Instance state changes (bosh start|stop|restart|recreate), reference
// §13 and the director's deployments controller (v280):
//
//   - converging, PUT /deployments/:d/jobs/:job[/:index_or_id]?state=S: an
//     update_deployment task ("create deployment") over the deployment's
//     own manifest with the state overridden for the job ("*": every
//     instance group) or the one instance;
//   - not converging, POST /deployments/:d/instance_groups/:ig/:id/
//     actions/(start|stop|restart|recreate): an update_instance task
//     ("<action> instance") on one instance.
//
// Both hold the deployment lock and run on the state model of
// sim/director_cck_model.go.

// addLifecycleRoutes adds the state-change endpoints.
func (f *Foundation) addLifecycleRoutes(rt *router) {
	rt.add("PUT", "/deployments/:d/jobs/:job", "", f.putJobState)
	rt.add("PUT", "/deployments/:d/jobs/:job/:index", "", f.putJobState)
	for _, action := range []string{"start", "stop", "restart", "recreate"} {
		rt.add("POST", "/deployments/:d/instance_groups/:ig/:index/actions/"+action, "", f.postInstanceAction(action))
	}
}

// lifecycleKind is one state change as a director job.
type lifecycleKind struct {
	d        *deployment
	group    string    // the job of the URL: an instance group, or "*" for all
	inst     *instance // the one instance named, nil for a group or all
	converge bool
	state    string // converging: started, stopped, detached, restart, recreate (as given)
	action   string // not converging: start, stop, restart, recreate

	skipDrain, fix, dryRun, hard, ignoreUnresponsive bool
	canaries, maxInFlight                            string // "" when not given
	canariesSet, maxInFlightSet                      bool
}

func (k lifecycleKind) jobType() string {
	if k.converge {
		return "update_deployment"
	}
	return "update_instance"
}

func (k lifecycleKind) description() string {
	switch {
	case !k.converge:
		return k.action + " instance"
	case k.dryRun:
		return "create deployment (dry run)"
	}
	return "create deployment"
}

func (k lifecycleKind) lock() *lockSpec {
	return &lockSpec{name: "lock:deployment:" + k.d.Name, deployment: k.d.Name, timeout: applyLockTimeout}
}

func (k lifecycleKind) run(x *taskRun) (string, error) {
	if k.converge {
		return k.runConverge(x)
	}
	return k.runAction(x)
}

// indexOrIDRe is the director's check of an instance id
// (validate_instance_index_or_id): an integer, else a UUID-like string.
var (
	indexOrIDRe = regexp.MustCompile(`^[A-Fa-f0-9]{8}-[A-Fa-f0-9-]{27}$`)
	digitsRe    = regexp.MustCompile(`^\d+$`)
	percentRe   = regexp.MustCompile(`^(\d+)%$`)
	integerRe   = regexp.MustCompile(`^[-+]?[0-9]+$`)
)

// findInstance is InstanceManager#find_by_name: by index when the text is
// all digits, else by uuid; the errors are the director's.
func (f *Foundation) findInstance(w http.ResponseWriter, d *deployment, group, indexOrID string) *instance {
	if _, err := strconv.Atoi(indexOrID); err != nil && !indexOrIDRe.MatchString(indexOrID) {
		directorError(w, http.StatusBadRequest, 70002, fmt.Sprintf("Invalid instance index or id '%s'", indexOrID))
		return nil
	}
	digits := digitsRe.MatchString(indexOrID)
	for _, in := range d.Instances {
		if in.Group.Name != group {
			continue
		}
		if (digits && strconv.Itoa(in.Index) == indexOrID) || (!digits && in.ID == indexOrID) {
			return in
		}
	}
	directorError(w, http.StatusNotFound, 70001, fmt.Sprintf("'%s/%s/%s' doesn't exist", d.Name, group, indexOrID))
	return nil
}

// putJobState starts a converging state change.
func (f *Foundation) putJobState(w http.ResponseWriter, r *http.Request, c *call) {
	d := f.deploymentAdmin(w, c)
	if d == nil {
		return
	}
	q := r.URL.Query()
	k := lifecycleKind{d: d, group: c.params["job"], converge: true, state: q.Get("state"),
		skipDrain: q.Get("skip_drain") == "true", fix: q.Get("fix") == "true", dryRun: q.Get("dry_run") == "true"}
	if idx, ok := c.params["index"]; ok {
		if k.inst = f.findInstance(w, d, k.group, idx); k.inst == nil {
			return
		}
	} else {
		// Only the instance group route passes canaries and max_in_flight on.
		k.canaries, k.canariesSet = q.Get("canaries"), q.Has("canaries")
		k.maxInFlight, k.maxInFlightSet = q.Get("max_in_flight"), q.Has("max_in_flight")
	}
	f.startLifecycle(w, r, c, k)
}

// postInstanceAction starts a non-converging action on one instance.
func (f *Foundation) postInstanceAction(action string) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		d := f.deploymentAdmin(w, c)
		if d == nil {
			return
		}
		q := r.URL.Query()
		k := lifecycleKind{d: d, group: c.params["ig"], action: action, skipDrain: q.Get("skip_drain") == "true"}
		switch action {
		case "stop":
			k.hard = q.Get("hard") == "true"
		case "recreate":
			k.hard, k.ignoreUnresponsive = true, q.Get("ignore_unresponsive_agent") == "true"
		}
		if k.inst = f.findInstance(w, d, k.group, c.params["index"]); k.inst == nil {
			return
		}
		f.startLifecycle(w, r, c, k)
	}
}

func (f *Foundation) startLifecycle(w http.ResponseWriter, r *http.Request, c *call, k lifecycleKind) {
	f.mu.Lock()
	t := f.enqueueLocked(k, c.user.name, k.d.Name, r.Header.Get("X-Bosh-Context-Id"), k.d.Teams)
	f.mu.Unlock()
	redirectToTask(w, r, t)
}

// numericalValue is the director's NumericalValueCalculator: "N%" of size
// (rounded down, at most size) or a plain integer.
func numericalValue(v string, size int) (int, bool) {
	if m := percentRe.FindStringSubmatch(v); m != nil {
		p, _ := strconv.Atoi(m[1])
		return min(p*size/100, size), true
	}
	if integerRe.MatchString(v) {
		n, _ := strconv.Atoi(v)
		return n, true
	}
	return 0, false
}

// lifecycleEvent is an instance event of a state change.
func lifecycleEvent(x *taskRun, in *instance, action string, parent int, errText string) int {
	e := instanceEvent(in, time.Now(), action, nil)
	e.User, e.Task, e.ParentID, e.Error = x.t.User, strconv.Itoa(x.t.ID), parent, errText
	x.f.mu.Lock()
	defer x.f.mu.Unlock()
	return x.f.addEventLocked(e)
}

// LockedDeployments names the deployments whose lock a task holds now,
// sorted: tests use them to see a state change refused.
func (f *Foundation) LockedDeployments() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, l := range f.locksLocked() {
		if j := l.json(time.Now()); j.Type == "deployment" && len(j.Resource) > 0 {
			out = append(out, j.Resource[0])
		}
	}
	sort.Strings(out)
	return out
}
