package tui

import (
	"bosun/app"
	"bosun/bosh"
	"bosun/cache"
)

// What the command line wires into Options satisfies the interfaces the
// TUI declares (internal/cli/cmd_tui.go).
var (
	_ Director      = (*app.Director)(nil)
	_ Cache         = (*app.Cache)(nil)
	_ CloudChecker  = (*app.Confirmed)(nil)
	_ Auditor       = (*app.Auditor)(nil)
	_ HistorySource = (*app.Session)(nil)
	_ CCKHistory    = (*cache.Store)(nil)
	_ ClusterCache  = (*app.Cache)(nil)
	_ AuditHistory  = (*cache.Store)(nil)
	_ LogsFetcher   = (*bosh.Client)(nil)
	_ LogsIndex     = (*cache.Store)(nil)
	_ EventSource   = (*cache.Store)(nil)
)
