package tui

import (
	"bosun/bosh"
	"bosun/cache"
)

// The real clients satisfy the interfaces main wires into Options.
var (
	_ Director = (*bosh.Client)(nil)
	_ Cache    = (*cache.Store)(nil)
)
