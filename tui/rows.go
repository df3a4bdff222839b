package tui

import (
	"slices"
	"strings"
)

// rowSet holds a screen's rows and the order they show in. Sorting happens
// when the data or the sort order changes, filtering when the data or the
// filter changes -- never in View.
type rowSet[T any] struct {
	all    []T
	sorted []int // indexes into all, in sort order
	view   []int // sorted, filtered

	filter   string // lower case
	sortCol  int
	sortDesc bool

	cmp    func(a, b *T, col int) int // ties keep the order of all
	search func(*T) string            // lower-case text the filter matches
	key    func(*T) string            // identity, to keep the cursor on a row
}

// set replaces the rows and re-sorts and re-filters them.
func (r *rowSet[T]) set(all []T) {
	r.all = all
	r.resort()
}

// resort orders the rows by the sort column, then filters.
func (r *rowSet[T]) resort() {
	r.sorted = r.sorted[:0]
	for i := range r.all {
		r.sorted = append(r.sorted, i)
	}
	col, desc := r.sortCol, r.sortDesc
	slices.SortStableFunc(r.sorted, func(i, j int) int {
		c := r.cmp(&r.all[i], &r.all[j], col)
		if desc {
			return -c
		}
		return c
	})
	r.refilter()
}

// setFilter changes the filter text (matched case-insensitively).
func (r *rowSet[T]) setFilter(f string) {
	r.filter = strings.ToLower(f)
	r.refilter()
}

func (r *rowSet[T]) refilter() {
	if r.filter == "" {
		r.view = r.sorted
		return
	}
	r.view = make([]int, 0, len(r.sorted)/4)
	for _, i := range r.sorted {
		if strings.Contains(r.search(&r.all[i]), r.filter) {
			r.view = append(r.view, i)
		}
	}
}

// setSort picks the sort column and direction.
func (r *rowSet[T]) setSort(col int, desc bool) {
	r.sortCol, r.sortDesc = col, desc
	r.resort()
}

// Len is the number of rows shown.
func (r *rowSet[T]) Len() int { return len(r.view) }

// at returns the row shown at position i.
func (r *rowSet[T]) at(i int) *T { return &r.all[r.view[i]] }

// keyAt is the identity of the row shown at i, "" when out of range.
func (r *rowSet[T]) keyAt(i int) string {
	if i < 0 || i >= len(r.view) {
		return ""
	}
	return r.key(r.at(i))
}

// find returns where the row with key k shows, or -1.
func (r *rowSet[T]) find(k string) int {
	if k == "" {
		return -1
	}
	for pos, i := range r.view {
		if r.key(&r.all[i]) == k {
			return pos
		}
	}
	return -1
}

// compareFloat orders numbers for sorting.
func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
