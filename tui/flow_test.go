package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"bosun/bosh"
)

var errDown = &bosh.Error{Kind: bosh.KindUnreachable, Op: "list deployments", URL: "https://10.0.0.6:25555",
	Description: "connection refused"}

func cachedInfo() bosh.Info {
	return bosh.Info{Name: "bosh-lite", UUID: "uuid-1", Version: "280.0.13", User: "admin"}
}

func TestCachedRowsPaintFirstThenLiveRowsReplaceThem(t *testing.T) {
	deps, insts := fixture(3, 4)
	cache := newFakeCache(deps[:2], insts, t0.Add(-4*time.Minute))
	d := newFakeDirector(deps, insts)
	d.gate = make(chan struct{})
	h := newHarness(t, Options{Director: d, Cache: cache, Cached: cachedInfo(), Environment: "prod"}, 120, 35)
	h.run(h.m.Init())
	st := h.m.c.store
	h.await("cached rows", func() bool { return st.depsKnown && len(st.inst) == 2 })

	if st.depsLive {
		t.Fatal("cached deployments marked live")
	}
	if got := h.line(0); !strings.Contains(got, "cached 4m ago") || !strings.Contains(got, "280.0.13") {
		t.Fatalf("header while the director is slow = %q, want cached info and age", got)
	}
	if v := h.view(); !strings.Contains(v, "cf-01") || strings.Contains(v, "cf-02") {
		t.Fatalf("cached view should list cf-00 and cf-01 only:\n%s", v)
	}

	close(d.gate)
	h.settle()
	if !st.depsLive || len(st.deps) != 3 {
		t.Fatalf("live deployments not applied: live=%v n=%d", st.depsLive, len(st.deps))
	}
	if got := h.line(0); !strings.HasSuffix(got, "live") || !strings.Contains(got, "280.0.14") {
		t.Fatalf("header after live rows = %q", got)
	}
	if !strings.Contains(h.view(), "cf-02") {
		t.Fatalf("live deployment cf-02 missing:\n%s", h.view())
	}
	if cache.writes("deployments") != 1 {
		t.Fatalf("deployments written to cache %d times, want 1", cache.writes("deployments"))
	}
	for _, dep := range []string{"cf-00", "cf-01", "cf-02"} {
		if cache.writes(dep) != 1 || st.rows(dep) == nil || !st.rows(dep).live {
			t.Fatalf("details of %s: writes=%d rows=%+v", dep, cache.writes(dep), st.rows(dep))
		}
	}
	if d.count("details") != 3 {
		t.Fatalf("details asked %d times, want once per deployment", d.count("details"))
	}
}

func TestLateCacheReadDoesNotOverwriteLiveRows(t *testing.T) {
	deps, insts := fixture(2, 2)
	st := newStore()
	st.setDeployments(deps, t0, true)
	st.setDetails("cf-00", insts["cf-00"], t0)
	stale := []bosh.Deployment{{Name: "old"}}
	if st.setDeployments(stale, t0.Add(-time.Hour), false) {
		t.Fatal("cached deployments replaced live ones")
	}
	old := insts["cf-00"][:1]
	st.setCachedInstances(old, t0.Add(-time.Hour))
	if got := len(st.rows("cf-00").rows); got != 2 {
		t.Fatalf("cached instances replaced live rows: %d rows", got)
	}
}

func TestStaleGenerationIsDropped(t *testing.T) {
	deps, insts := fixture(2, 2)
	d := newFakeDirector(deps, insts)
	d.gate = make(chan struct{})
	h := newHarness(t, Options{Director: d}, 120, 35)
	h.run(h.m.Init())
	ds := h.top().(*deploymentsScreen)
	h.await("listing in flight", func() bool { return ds.list.busy })
	gen := ds.list.gen

	h.post(deploymentsLoadedMsg{screen: ds.id(), gen: gen - 1, deps: []bosh.Deployment{{Name: "ghost"}}, at: t0})
	if h.m.c.store.depsKnown {
		t.Fatal("a result of an older generation was applied")
	}
	h.post(instancesLoadedMsg{screen: ds.id(), gen: ds.det.gen + 7, details: true, dep: "cf-00", insts: insts["cf-00"], at: t0})
	if h.m.c.store.rows("cf-00") != nil {
		t.Fatal("details of a generation never started were applied")
	}
	close(d.gate)
	h.settle()
	if names := h.m.c.store.depNames(); strings.Join(names, ",") != "cf-00,cf-01" {
		t.Fatalf("deployments after the current generation landed = %v", names)
	}
}

func TestResultsForAPoppedScreenAreDropped(t *testing.T) {
	deps, insts := fixture(2, 2)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	h.keys("enter")
	is := h.top().(*instancesScreen)
	gen := is.list.gen
	h.keys("esc")
	before := h.m.c.store.ver
	h.send(instancesLoadedMsg{screen: is.id(), gen: gen, dep: "cf-00", insts: nil, at: t0})
	if h.m.c.store.ver != before || len(h.m.c.store.rows("cf-00").rows) != 2 {
		t.Fatal("a result for a popped screen changed the store")
	}
}

func TestRefreshTickDoesNotOverlapAFetchInFlight(t *testing.T) {
	deps, insts := fixture(2, 2)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	ds := h.top().(*deploymentsScreen)
	if d.count("deployments") != 1 {
		t.Fatalf("deployments listed %d times at start", d.count("deployments"))
	}

	d.gate = make(chan struct{})
	isRefresh := func(m tea.Msg) bool { _, ok := m.(refreshTickMsg); return ok }
	var ticks []scheduled
	for _, s := range h.timers {
		if isRefresh(s.msg) {
			ticks = append(ticks, s)
		}
	}
	if len(ticks) != 1 || ticks[0].after != DefaultRefreshEvery {
		t.Fatalf("refresh timers = %+v, want one at %v", ticks, DefaultRefreshEvery)
	}
	h.timers = nil
	h.post(ticks[0].msg)
	h.await("second listing in flight", func() bool { return ds.list.busy })
	gen := ds.list.gen

	h.post(ticks[0].msg) // the next tick fires while the first is still in flight
	if ds.list.gen != gen {
		t.Fatal("a tick started a second listing while one was in flight")
	}
	close(d.gate)
	h.settle()
	if got := d.count("deployments"); got != 2 {
		t.Fatalf("deployments listed %d times, want 2 (start + one tick)", got)
	}
	if n := h.fire(isRefresh); n != 2 {
		t.Fatalf("each tick should schedule the next one; got %d timers", n)
	}
}

func TestDetailsTickSweepsOnlyDueDeployments(t *testing.T) {
	deps, insts := fixture(3, 2)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	if d.count("details") != 3 {
		t.Fatalf("start: details %d, want 3", d.count("details"))
	}
	isDetails := func(m tea.Msg) bool { _, ok := m.(detailsTickMsg); return ok }
	h.fire(isDetails) // same instant: nothing is due
	if d.count("details") != 3 {
		t.Fatalf("details refetched before they were due: %d", d.count("details"))
	}
	h.clock.Add(DefaultDetailsEvery)
	h.fire(isDetails)
	if d.count("details") != 6 {
		t.Fatalf("details after the interval: %d, want 6", d.count("details"))
	}
}

func TestUnreachableDirectorKeepsCachedRowsAndShowsTheError(t *testing.T) {
	deps, insts := fixture(2, 3)
	cache := newFakeCache(deps, insts, t0.Add(-4*time.Minute))
	d := newFakeDirector(deps, insts)
	d.setErr(errDown)
	h := newHarness(t, Options{Director: d, Cache: cache, Cached: cachedInfo()}, 120, 35).start()

	if got := h.line(0); !strings.HasSuffix(got, "unreachable (cached 4m ago)") {
		t.Fatalf("header = %q", got)
	}
	v := h.view()
	for _, want := range []string{"cf-00", "cf-01", errDown.Error(), "showing rows cached 4m ago"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
	if cache.writes("deployments") != 0 {
		t.Fatal("nothing live arrived, yet the cache was written")
	}

	ds := h.top().(*deploymentsScreen)
	if ds.list.fails != 1 || ds.list.backoff(DefaultRefreshEvery) != 2*DefaultRefreshEvery {
		t.Fatalf("after a failure the refresh should back off: fails=%d", ds.list.fails)
	}
	d.setErr(nil)
	h.keys("r")
	if got := h.line(0); !strings.HasSuffix(got, "live") {
		t.Fatalf("header after the director came back = %q", got)
	}
	if strings.Contains(h.view(), "unreachable") {
		t.Fatal("the error line stayed after a successful refresh")
	}
}

func TestUnreachableWithoutCacheSaysSo(t *testing.T) {
	d := newFakeDirector(nil, nil)
	d.setErr(errDown)
	h := newHarness(t, Options{Director: d}, 80, 24).start()
	if got := h.line(0); !strings.HasSuffix(got, "unreachable (no cache)") {
		t.Fatalf("header = %q", got)
	}
	if v := h.view(); !strings.Contains(v, "nothing is cached") {
		t.Fatalf("empty table should explain itself:\n%s", v)
	}
}

func TestOfflineReadsOnlyTheCache(t *testing.T) {
	deps, insts := fixture(2, 3)
	cache := newFakeCache(deps, insts, t0.Add(-90*time.Minute))
	h := newHarness(t, Options{Offline: true, Cache: cache, Cached: cachedInfo()}, 120, 35).start()
	if got := h.line(0); !strings.HasSuffix(got, "offline (cached 1h ago)") {
		t.Fatalf("header = %q", got)
	}
	h.keys("r")
	if !strings.Contains(h.view(), "offline: showing the cache only") {
		t.Fatal("refresh offline should say why nothing happens")
	}
	for _, s := range h.timers {
		switch s.msg.(type) {
		case refreshTickMsg, detailsTickMsg:
			t.Fatalf("offline screens must not schedule refreshes: %#v", s.msg)
		}
	}
}

func TestCacheReadErrorMeansNoCachedRows(t *testing.T) {
	deps, insts := fixture(1, 1)
	cache := newFakeCache(deps, insts, t0)
	cache.readErr = errors.New("database is locked")
	h := newHarness(t, Options{Offline: true, Cache: cache, Cached: cachedInfo()}, 80, 24).start()
	if h.m.c.store.depsKnown {
		t.Fatal("rows applied from a failed cache read")
	}
	if got := h.line(0); !strings.HasSuffix(got, "offline (no cache)") {
		t.Fatalf("header = %q", got)
	}
}

func TestCacheWriteErrorIsShownAndRowsStay(t *testing.T) {
	deps, insts := fixture(1, 2)
	cache := newFakeCache(nil, nil, t0)
	cache.writeErr = errors.New("disk full")
	h := newHarness(t, Options{Director: newFakeDirector(deps, insts), Cache: cache, Cached: cachedInfo()}, 120, 35).start()
	if !strings.Contains(h.view(), "disk full") {
		t.Fatalf("cache write error not shown:\n%s", h.view())
	}
	if !h.m.c.store.depsLive || len(h.m.c.store.deps) != 1 {
		t.Fatal("live rows lost after a cache write error")
	}
}

func TestFirstStartSavesUnderTheLiveUUID(t *testing.T) {
	deps, insts := fixture(1, 2)
	cache := newFakeCache(nil, nil, t0)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d, Cache: cache}, 120, 35).start()
	if !cache.uuids["uuid-1"] || len(cache.uuids) != 1 {
		t.Fatalf("writes went to %v, want only the live uuid", cache.uuids)
	}
	if cache.writes("deployments") == 0 || cache.writes("cf-00") == 0 {
		t.Fatalf("live rows were not saved once the uuid was known: %v", cache.saved)
	}
	if h.m.c.uuid() != "uuid-1" {
		t.Fatalf("uuid = %q", h.m.c.uuid())
	}
}

func TestCheapRefreshKeepsLastKnownDetails(t *testing.T) {
	deps, insts := fixture(1, 3)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d, StartScreen: StartInstances, StartDeployment: "cf-00"}, 120, 35).start()
	if d.count("instances") != 1 || d.count("details") != 1 {
		t.Fatalf("start: instances=%d details=%d", d.count("instances"), d.count("details"))
	}
	h.fire(func(m tea.Msg) bool { _, ok := m.(refreshTickMsg); return ok })
	if d.count("instances") != 2 {
		t.Fatalf("cheap refresh not run: %d", d.count("instances"))
	}
	for _, in := range h.m.c.store.rows("cf-00").rows {
		if in.ProcessState == "" || in.Vitals == nil || len(in.Processes) == 0 {
			t.Fatalf("cheap refresh lost the details of %s: %+v", in.Name, in)
		}
	}
}

func TestMergeListingTakesShapeFromCheapRows(t *testing.T) {
	_, insts := fixture(1, 3)
	prev := insts["cf-00"]
	prev[0].VMType, prev[0].DiskCIDs, prev[0].State, prev[0].Bootstrap = "large", []string{"disk-1"}, "started", true
	moved := prev[0]
	moved.ProcessState, moved.Vitals, moved.Processes = "", nil, nil
	moved.VMType, moved.DiskCIDs, moved.State, moved.Bootstrap = "", nil, "", false
	moved.IPs = []string{"10.9.9.9"}
	added := bosh.Instance{Deployment: "cf-00", Group: "new", ID: "new-1", VMCID: "vm-new"}
	out := mergeListing(prev, []bosh.Instance{moved, added})
	if len(out) != 2 {
		t.Fatalf("merged %d rows, want the 2 of the cheap listing", len(out))
	}
	if out[0].IPs[0] != "10.9.9.9" || out[0].ProcessState != prev[0].ProcessState || out[0].Vitals != prev[0].Vitals {
		t.Fatalf("merged row = %+v", out[0])
	}
	if out[0].VMType != "large" || len(out[0].DiskCIDs) != 1 || out[0].State != "started" || !out[0].Bootstrap {
		t.Fatalf("details-only fields lost in the merge: %+v", out[0])
	}
	if out[1].ProcessState != "" || out[1].Vitals != nil {
		t.Fatalf("a new instance got details it never had: %+v", out[1])
	}
}

func TestDetailsFollowWhenTheDirectorComesBack(t *testing.T) {
	deps, insts := fixture(2, 2)
	d := newFakeDirector(deps, insts)
	d.setErr(errDown)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	if d.count("details") != 0 {
		t.Fatal("details asked although the listing failed")
	}
	d.setErr(nil)
	h.fire(func(m tea.Msg) bool { _, ok := m.(refreshTickMsg); return ok })
	if d.count("details") != 2 || h.m.c.store.rows("cf-01") == nil {
		t.Fatalf("details after the director came back: %d calls", d.count("details"))
	}
}

func TestFooterShowsDetailsProgress(t *testing.T) {
	deps, insts := fixture(3, 2)
	d := newFakeDirector(deps, insts)
	d.detailsGate = make(chan struct{})
	h := newHarness(t, Options{Director: d}, 120, 35)
	h.run(h.m.Init())
	h.await("details in flight", func() bool { return strings.Contains(h.view(), "fetching details 0/3") })
	if !h.m.spinning {
		t.Fatal("the spinner should run while details are fetched")
	}
	close(d.detailsGate)
	h.settle()
	if strings.Contains(h.view(), "fetching details") {
		t.Fatal("progress stayed after the sweep finished")
	}
	h.fire(func(m tea.Msg) bool { _, ok := m.(spinTickMsg); return ok })
	if h.m.spinning {
		t.Fatal("the spinner should stop when nothing is in flight")
	}
}

func TestPoppingCancelsDetailsInFlight(t *testing.T) {
	deps, insts := fixture(2, 2)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	h.clock.Add(DefaultDetailsEvery) // details are due again
	d.detailsGate = make(chan struct{})
	defer close(d.detailsGate)
	h.post(keyMsg("enter"))
	is := func() *instancesScreen { s, _ := h.top().(*instancesScreen); return s }
	h.await("details of cf-00 in flight", func() bool { return is() != nil && is().det.busy })
	if h.m.c.store.pending["cf-00"] != 1 {
		t.Fatalf("cf-00 not claimed: %v", h.m.c.store.pending)
	}
	h.post(keyMsg("esc"))
	h.settle() // the cancelled call returns; its result is dropped
	if len(h.m.c.store.pending) != 0 {
		t.Fatalf("claims left after the screen closed: %v", h.m.c.store.pending)
	}
}

func TestLargeScreensRebuildInBatches(t *testing.T) {
	deps, insts := fixture(3, 2000)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d, StartScreen: StartInstances}, 120, 35).start()
	isReload := func(m tea.Msg) bool { _, ok := m.(reloadMsg); return ok }
	for h.fire(isReload) > 0 { // let the start-up bursts land
	}
	is := h.top().(*instancesScreen)
	if is.set.Len() != 6000 || is.seen() != h.m.c.store.ver {
		t.Fatalf("rows = %d", is.set.Len())
	}
	h.m.c.store.setListing("cf-00", insts["cf-00"][:10], t0)
	h.send(clockTickMsg{}) // any message: the router sees the store moved
	if is.seen() == h.m.c.store.ver {
		t.Fatal("a screen over batchRows rebuilt at once")
	}
	if n := h.fire(isReload); n != 1 {
		t.Fatalf("%d reload timers, want 1", n)
	}
	if is.seen() != h.m.c.store.ver || is.set.Len() != 4010 {
		t.Fatalf("after the batch reload: seen=%d ver=%d rows=%d", is.seen(), h.m.c.store.ver, is.set.Len())
	}
}

func TestProcessesOfAVanishedInstance(t *testing.T) {
	deps, insts := fixture(1, 3)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d}, 120, 35).start()
	h.keys("enter", "enter")
	ps := h.top().(*processesScreen)
	h.m.c.store.setListing("cf-00", nil, t0)
	h.send(clockTickMsg{})
	if ps.in != nil || !strings.Contains(h.view(), "this instance is no longer listed") {
		t.Fatalf("vanished instance:\n%s", h.view())
	}
}

func TestAnotherDirectorBehindTheNameDropsItsCachedRows(t *testing.T) {
	deps, insts := fixture(2, 2)
	cache := newFakeCache([]bosh.Deployment{{Name: "old-foundation"}}, nil, t0.Add(-time.Hour))
	d := newFakeDirector(deps, insts)
	d.gate = make(chan struct{})
	old := cachedInfo()
	old.UUID = "uuid-of-another-director"
	h := newHarness(t, Options{Director: d, Cache: cache, Cached: old}, 120, 35)
	h.run(h.m.Init())
	h.await("cached rows", func() bool { return h.m.c.store.depsKnown })
	h.post(cachedDeploymentsMsg{uuid: "stale-key", deps: []bosh.Deployment{{Name: "x"}}, at: t0})
	if h.m.c.store.hasDeployment("x") {
		t.Fatal("rows read under another cache key were applied")
	}
	close(d.gate)
	h.settle()
	if h.m.c.store.hasDeployment("old-foundation") {
		t.Fatal("the other director's cached rows are still shown")
	}
	if !cache.uuids["uuid-1"] || cache.uuids["uuid-of-another-director"] {
		t.Fatalf("live rows saved under %v", cache.uuids)
	}
}

func TestLateCacheLendsProcessStateToLiveCheapRows(t *testing.T) {
	deps, insts := fixture(1, 3)
	st := newStore()
	cheap := make([]bosh.Instance, 0, 3)
	for _, in := range insts["cf-00"] {
		in.ProcessState, in.Vitals, in.Processes = "", nil, nil
		cheap = append(cheap, in)
	}
	st.setDeployments(deps, t0, true)
	st.setListing("cf-00", cheap, t0)
	st.setCachedInstances(insts["cf-00"], t0.Add(-time.Hour))
	r := st.rows("cf-00")
	if !r.live || !r.at.Equal(t0) || !r.hasState || r.rows[0].Vitals == nil {
		t.Fatalf("live rows after a late cache read: live=%v at=%v state=%v", r.live, r.at, r.hasState)
	}
	st.setDetails("cf-00", cheap, t0) // live details (here: without state) are not overridden
	st.setCachedInstances(insts["cf-00"], t0.Add(-time.Hour))
	if st.rows("cf-00").hasState {
		t.Fatal("cached state replaced live details")
	}
}

func TestAllInstancesAsksDetailsOnceDeploymentsAreKnown(t *testing.T) {
	deps, insts := fixture(3, 2)
	d := newFakeDirector(deps, insts)
	h := newHarness(t, Options{Director: d, StartScreen: StartInstances}, 120, 35).start()
	if d.count("details") != 3 {
		t.Fatalf("details asked %d times, want once per deployment", d.count("details"))
	}
	for _, dep := range []string{"cf-00", "cf-01", "cf-02"} {
		if r := h.m.c.store.rows(dep); r == nil || r.detailsAt.IsZero() {
			t.Fatalf("no details for %s", dep)
		}
	}
}
