package cache

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"bosun/bosh"
)

func listingDeps(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("service-instance_%d", i)
	}
	return names
}

func saveListed(t *testing.T, s *Store, deps []string, at time.Time) {
	t.Helper()
	for _, d := range deps {
		if err := s.SaveInstances(testUUID, d, realisticInstances(d, map[string]int{"worker": 2}), at); err != nil {
			t.Fatal(err)
		}
	}
}

// sameListing compares listings, their times as instants.
func sameListing(a, b Listing) bool {
	if !a.FetchedAt.Equal(b.FetchedAt) {
		return false
	}
	a.FetchedAt, b.FetchedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func TestCompleteListing(t *testing.T) {
	s := openTemp(t)
	deps := listingDeps(3)
	if err := s.BeginInstanceListing(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	saveListed(t, s, deps, baseTime.Add(time.Second))
	insts, l, err := s.ListedInstances(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	want := Listing{Begun: true, Complete: true, Expected: 3, Fetched: 3, Missing: []string{}, FetchedAt: baseTime}
	if !sameListing(l, want) {
		t.Errorf("listing %+v, want %+v", l, want)
	}
	all, _, err := s.AllInstances(testUUID)
	if err != nil || !reflect.DeepEqual(insts, all) || len(insts) != 6 {
		t.Errorf("ListedInstances gave %d instances, AllInstances %d (%v)", len(insts), len(all), err)
	}
}

func TestListingMissingDeploymentsIsIncomplete(t *testing.T) {
	s := openTemp(t)
	deps := listingDeps(5)
	// An earlier listing cached every deployment.
	if err := s.BeginInstanceListing(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	saveListed(t, s, deps, baseTime)

	// This one expects a new deployment too, and gets two of six.
	later := baseTime.Add(time.Hour)
	expected := append([]string{"zz-new"}, deps...)
	if err := s.BeginInstanceListing(testUUID, expected, later); err != nil {
		t.Fatal(err)
	}
	if _, l, err := s.ListedInstances(testUUID); err != nil || l.Complete || l.Fetched != 0 || l.Expected != 6 {
		t.Errorf("just begun: %+v, %v; want 0 of 6, incomplete", l, err)
	}
	saveListed(t, s, []string{deps[3], deps[1]}, later)
	insts, l, err := s.ListedInstances(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	want := Listing{Begun: true, Expected: 6, Fetched: 2, Missing: []string{deps[0], deps[2], deps[4], "zz-new"}, FetchedAt: later}
	if !sameListing(l, want) {
		t.Errorf("listing %+v\nwant %+v", l, want)
	}
	// The earlier listing's instances of the missing deployments are
	// still read, with their own age.
	if len(insts) != 10 {
		t.Errorf("%d instances, want the 10 cached", len(insts))
	}
	ages, err := s.InstanceAges(testUUID)
	if err != nil || !ages[deps[0]].Equal(baseTime) || !ages[deps[1]].Equal(later) {
		t.Errorf("InstanceAges = %v, %v", ages, err)
	}
}

func TestEachListedInstanceMatchesListedInstances(t *testing.T) {
	s := openTemp(t)
	deps := listingDeps(4)
	if err := s.BeginInstanceListing(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	saveListed(t, s, deps[:3], baseTime)
	insts, l, err := s.ListedInstances(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	var each []bosh.Instance
	el, err := s.EachListedInstance(testUUID, func(in bosh.Instance) error {
		each = append(each, in)
		return nil
	})
	if err != nil || !reflect.DeepEqual(each, insts) || !reflect.DeepEqual(el, l) {
		t.Errorf("EachListedInstance: %d instances, %+v, %v; ListedInstances: %d, %+v", len(each), el, err, len(insts), l)
	}
	if l.Complete || !reflect.DeepEqual(l.Missing, deps[3:]) {
		t.Errorf("listing %+v", l)
	}
	stop := errors.New("stop")
	if _, err := s.EachListedInstance(testUUID, func(bosh.Instance) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("error from fn: %v", err)
	}
}

func TestListingBegunWithNothingFetched(t *testing.T) {
	s := openTemp(t)
	if _, _, err := s.ListedInstances(testUUID); !errors.Is(err, ErrNotCached) {
		t.Errorf("nothing at all: %v, want ErrNotCached", err)
	}
	if err := s.BeginInstanceListing(testUUID, listingDeps(2), baseTime); err != nil {
		t.Fatal(err)
	}
	insts, l, err := s.ListedInstances(testUUID)
	if err != nil || len(insts) != 0 || l.Complete || l.Expected != 2 || len(l.Missing) != 2 {
		t.Errorf("begun, nothing fetched: %d instances, %+v, %v", len(insts), l, err)
	}
	// A director without deployments lists completely.
	if err := s.BeginInstanceListing("empty-director", nil, baseTime); err != nil {
		t.Fatal(err)
	}
	if _, l, err := s.ListedInstances("empty-director"); err != nil || !l.Complete || l.Expected != 0 || l.Missing == nil {
		t.Errorf("no deployments: %+v, %v", l, err)
	}
}

func TestListingWithoutBeginComparesTheDeploymentList(t *testing.T) {
	s := openTemp(t)
	deps := listingDeps(3)
	// Instances saved with no deployment list and no listing: nothing
	// says what was expected.
	saveListed(t, s, deps[:2], baseTime.Add(time.Minute))
	if _, l, err := s.ListedInstances(testUUID); err != nil || l.Complete || l.Begun || l.Expected != 0 {
		t.Errorf("nothing expected known: %+v, %v; want incomplete", l, err)
	}
	var list []bosh.Deployment
	for _, d := range deps {
		list = append(list, realisticDeployment(d))
	}
	if err := s.SaveDeployments(testUUID, list, baseTime); err != nil {
		t.Fatal(err)
	}
	_, l, err := s.ListedInstances(testUUID)
	want := Listing{Expected: 3, Fetched: 2, Missing: []string{deps[2]}, FetchedAt: baseTime.Add(time.Minute)}
	if err != nil || !sameListing(l, want) {
		t.Errorf("listing %+v, %v\nwant %+v", l, err, want)
	}
	saveListed(t, s, deps[2:], baseTime.Add(2*time.Minute))
	if _, l, err := s.ListedInstances(testUUID); err != nil || !l.Complete || l.Fetched != 3 || !l.FetchedAt.Equal(baseTime.Add(time.Minute)) {
		t.Errorf("every listed deployment cached: %+v, %v", l, err)
	}
}

func TestListingsAreKeptPerDirector(t *testing.T) {
	s := openTemp(t)
	deps := listingDeps(2)
	for _, uuid := range []string{testUUID, "other-director"} {
		if err := s.BeginInstanceListing(uuid, deps, baseTime); err != nil {
			t.Fatal(err)
		}
	}
	saveListed(t, s, deps, baseTime) // testUUID only
	if _, l, err := s.ListedInstances(testUUID); err != nil || !l.Complete {
		t.Errorf("%s: %+v, %v", testUUID, l, err)
	}
	if _, l, err := s.ListedInstances("other-director"); err != nil || l.Complete || l.Fetched != 0 {
		t.Errorf("other director: %+v, %v", l, err)
	}
}

func TestBeginInstanceListingChecksItsInput(t *testing.T) {
	s := openTemp(t)
	if err := s.BeginInstanceListing("", listingDeps(1), baseTime); err == nil {
		t.Error("empty director accepted")
	}
	if err := s.BeginInstanceListing(testUUID, []string{"a", ""}, baseTime); err == nil {
		t.Error("empty deployment name accepted")
	}
	if err := s.BeginInstanceListing(testUUID, listingDeps(1), time.Time{}); err == nil {
		t.Error("zero time accepted")
	}
	if err := s.BeginInstanceListing(testUUID, []string{"b", "a", "b"}, baseTime); err != nil {
		t.Fatal(err)
	}
	if _, l, err := s.ListedInstances(testUUID); err != nil || l.Expected != 2 || !reflect.DeepEqual(l.Missing, []string{"a", "b"}) {
		t.Errorf("listing of a repeated name: %+v, %v", l, err)
	}
}

const (
	listingExpected = 5
	listingSaved    = 2
)

// helperListing begins a listing, saves some deployments, says so and
// waits to be killed.
func helperListing(path string) error {
	s, err := Open(path)
	if err != nil {
		return err
	}
	deps := listingDeps(listingExpected)
	if err := s.BeginInstanceListing(testUUID, deps, time.Now()); err != nil {
		return err
	}
	for _, d := range deps[:listingSaved] {
		if err := s.SaveInstances(testUUID, d, realisticInstances(d, map[string]int{"worker": 2}), time.Now()); err != nil {
			return err
		}
	}
	fmt.Println("saved", listingSaved)
	select {} // wait for SIGKILL
}

func TestListingKilledHalfwayReadsIncomplete(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bosun.db")
	// A complete listing from before.
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	deps := listingDeps(listingExpected)
	if err := s.BeginInstanceListing(testUUID, deps, baseTime); err != nil {
		t.Fatal(err)
	}
	saveListed(t, s, deps, baseTime)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	h := startHelper(t, "listing", path)
	h.expect(t, fmt.Sprint("saved ", listingSaved))
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper exit = %v, want killed", err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	insts, l, err := s.ListedInstances(testUUID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Complete || l.Expected != listingExpected || l.Fetched != listingSaved || !reflect.DeepEqual(l.Missing, deps[listingSaved:]) ||
		!l.FetchedAt.After(baseTime) {
		t.Errorf("after a listing killed halfway: %+v", l)
	}
	if len(insts) != 2*listingExpected {
		t.Errorf("%d instances, want the %d cached", len(insts), 2*listingExpected)
	}
}
