package sim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const eventLimit = 200

func (f *Foundation) getLocks(w http.ResponseWriter, r *http.Request, c *call) {
	now := time.Now()
	f.mu.Lock()
	out := []lockJSON{}
	for _, l := range f.locksLocked() {
		out = append(out, l.json(now))
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", out)
}

// getEvents lists audit events, newest id first, at most 200.
func (f *Foundation) getEvents(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	var before, after time.Time
	if v := q.Get("before_time"); q.Has("before_time") {
		t, ok := parseEventTime(v)
		if !ok {
			textReply(w, http.StatusBadRequest, "application/json", "Invalid before parameter: '"+v+"' ")
			return
		}
		before = t
	}
	if v := q.Get("after_time"); q.Has("after_time") {
		t, ok := parseEventTime(v)
		if !ok {
			textReply(w, http.StatusBadRequest, "application/json", "Invalid after parameter: '"+v+"' ")
			return
		}
		after = t.Add(time.Second)
	}
	beforeID := -1
	if q.Has("before_id") {
		beforeID = rubyIntSigned(q.Get("before_id"))
	}
	match := func(key, val string) bool { return !q.Has(key) || q.Get(key) == val }
	out := []eventJSON{}
	f.mu.Lock()
	for i := len(f.events) - 1; i >= 0 && len(out) < eventLimit; i-- {
		e := f.events[i]
		switch {
		case beforeID >= 0 && e.ID >= beforeID,
			q.Has("before_id") && beforeID < 0,
			!before.IsZero() && !e.Time.Before(before),
			!after.IsZero() && e.Time.Before(after),
			!match("task", e.Task), !match("deployment", e.Deployment), !match("instance", e.Instance),
			!match("user", e.User), !match("action", e.Action), !match("object_type", e.ObjectType),
			!match("object_name", e.ObjectName):
			continue
		}
		out = append(out, e.json())
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, "application/json", out)
}

// getEvent is GET /events/:id; an unknown id is the events controller's
// plain 404 "Event not found".
func (f *Foundation) getEvent(w http.ResponseWriter, r *http.Request, c *call) {
	id := rubyIntSigned(c.params["id"])
	f.mu.Lock()
	var found *eventJSON
	for _, e := range f.events {
		if e.ID == id {
			j := e.json()
			found = &j
			break
		}
	}
	f.mu.Unlock()
	if found == nil {
		textReply(w, http.StatusNotFound, "application/json", "Event not found")
		return
	}
	writeJSON(w, http.StatusOK, "application/json", found)
}

// parseEventTime reads a before/after filter: Unix seconds, or a time in
// one of the layouts people (and Ruby's Time.parse) use.
func parseEventTime(v string) (time.Time, bool) {
	s := strings.TrimSpace(v)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{
		time.RFC3339Nano, time.RFC3339, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05 MST", "2006-01-02 15:04:05",
		"2006-01-02T15:04:05", "2006-01-02", time.RFC1123Z, time.RFC1123, time.UnixDate, time.RubyDate, time.ANSIC,
	} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// rubyIntSigned converts like Ruby's String#to_i, with an optional sign.
func rubyIntSigned(s string) int {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	n := rubyInt(s)
	if neg {
		return -n
	}
	return n
}
