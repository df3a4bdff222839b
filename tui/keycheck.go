package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
)

// screenKeyMap is one key map a screen shows, in one of its modes. A
// modal map (a text field, a typed name, the audit confirmation) takes
// every key, so the root's keys do not apply while it is up.
type screenKeyMap struct {
	screen string
	keys   help.KeyMap
	modal  bool
}

// screenKeyMaps is every key map of every screen and mode, as the screens
// build them (read-only mode only disables bindings, so the full maps are
// checked).
func screenKeyMaps() []screenKeyMap {
	audit := newAuditConfirmKeys()
	return []screenKeyMap{
		{screen: "deployments", keys: newDeploymentsKeys()},
		{screen: "instances", keys: newInstancesKeys(false, false)},
		{screen: "all instances", keys: newInstancesKeys(false, true)},
		{screen: "processes", keys: newProcessesKeys(false)},
		{screen: "clusters", keys: newClustersKeys(false)},
		{screen: "etcd and usage", keys: newReportKeys()},
		{screen: "events", keys: newEventsKeys()},
		{screen: "log bundles", keys: listKeyMap{newBundlesKeys()}},
		{screen: "bundle files", keys: listKeyMap{newFilesKeys()}},
		{screen: "logs fetch", keys: newFetchKeys()},
		{screen: "log viewer", keys: newViewerKeys()},
		{screen: "cloud-check", keys: newCCKKeys(false)},
		{screen: "cloud-check confirmation", keys: newCCKConfirmKeys()},
		{screen: "audit", keys: newAuditKeys(false)},
		{screen: "tasks", keys: newTasksKeys(false)},
		{screen: "task output", keys: newTaskOutputKeys()},
		{screen: "activity", keys: newActivityKeys()},

		{screen: "filter", keys: filterKeys(), modal: true},
		{screen: "log viewer search", keys: searchKeys(), modal: true},
		{screen: "command line", keys: paletteKeys(), modal: true},
		{screen: "typed name", keys: defaultNameKeys(), modal: true},
		{screen: "cancel task confirmation", keys: newTaskConfirmKeys(), modal: true},
		{screen: "audit planning", keys: auditConfirmKeyMap(audit, true, false), modal: true},
		{screen: "audit confirmation", keys: auditConfirmKeyMap(audit, false, false), modal: true},
		{screen: "audit typed name", keys: auditConfirmKeyMap(audit, false, true), modal: true},
	}
}

// keyOverride lets a screen binding take a root key: the screen gets the
// key before the root does.
type keyOverride struct {
	screen, key, why string
}

// keyOverrides are the only screen bindings allowed to take a root key.
var keyOverrides = []keyOverride{
	{screen: "logs fetch", key: "esc", why: "cancels the fetch and its director task, then goes back"},
}

// checkKeys refuses a key set where a key map binds one key to two
// actions, or a screen binds a root key without an override listed, so a
// rebinding mistake is caught at start-up rather than at 3 a.m.
func checkKeys(global KeyMap) error {
	var problems []string
	problems = append(problems, duplicates("root", global.bindings())...)
	owner := map[string]string{}
	for _, b := range global.bindings() {
		for _, k := range b.Keys() {
			owner[k] = b.Help().Desc
		}
	}
	used := map[keyOverride]bool{}
	for _, m := range screenKeyMaps() {
		bs := bindingsOf(m.keys.FullHelp())
		problems = append(problems, duplicates(m.screen, bs)...)
		if m.modal {
			continue
		}
		for _, b := range bs {
			for _, k := range b.Keys() {
				root, taken := owner[k]
				if !taken {
					continue
				}
				if o, ok := overrideFor(m.screen, k); ok {
					used[o] = true
					continue
				}
				problems = append(problems, fmt.Sprintf("%s: %q (%s) takes the root's %q (%s) with no override listed",
					m.screen, k, b.Help().Desc, k, root))
			}
		}
	}
	for _, o := range keyOverrides {
		if !used[o] {
			problems = append(problems, fmt.Sprintf("override of %q on %s is listed but not bound", o.key, o.screen))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("key bindings: %s", strings.Join(problems, "; "))
	}
	return nil
}

func overrideFor(screen, k string) (keyOverride, bool) {
	for _, o := range keyOverrides {
		if o.screen == screen && o.key == k {
			return o, true
		}
	}
	return keyOverride{}, false
}

// duplicates names the keys bound to two actions in one map.
func duplicates(where string, bs []key.Binding) []string {
	owner := map[string]string{}
	var out []string
	for _, b := range bs {
		for _, k := range b.Keys() {
			desc := b.Help().Desc
			if prev, ok := owner[k]; ok {
				out = append(out, fmt.Sprintf("%s: %q is bound to both %q and %q", where, k, prev, desc))
				continue
			}
			owner[k] = desc
		}
	}
	return out
}

func bindingsOf(groups [][]key.Binding) []key.Binding {
	var out []key.Binding
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
