package cli

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"bosun/app"
	"bosun/bosh"
	"bosun/cache"
	"bosun/pks"
)

// Shell completion (cobra's `bosun completion bash|zsh|fish`) of
// deployments, instances, clusters, event classes and task ids: from the
// cache only, never a director request.

type completer func(g *globals, cmd *cobra.Command) []string

// addCompletions registers the completers on every command of the tree,
// by flag name and, for arguments, by command name.
func addCompletions(root *cobra.Command, g *globals) {
	byFlag := map[string]completer{
		"deployment": completeDeployments,
		"cluster":    completeClusters,
		"class":      completeClasses,
	}
	byArgs := map[string]completer{
		"ssh": completeInstances, "logs": completeInstances,
		"cluster": completeClusters, "etcd": completeClusters,
		"task": completeTasks, "cancel-task": completeTasks,
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for name, fn := range byFlag {
			if c.LocalNonPersistentFlags().Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, wrapCompleter(g, fn))
			}
		}
		if fn, ok := byArgs[c.Name()]; ok && c.ValidArgsFunction == nil && c.HasParent() && c.Parent() == root {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return wrapCompleter(g, fn)(cmd, args, toComplete)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func wrapCompleter(g *globals, fn completer) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range fn(g, cmd) {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionStore opens the cache and names the environment the command
// line points at ("" when none resolves: every director).
func completionStore(g *globals) (*cache.Store, string) {
	store, err := app.OpenCache("")
	if err != nil {
		return nil, ""
	}
	home, _ := os.UserHomeDir()
	t, err := bosh.ResolveTarget(bosh.Overrides{Environment: g.environment}, os.Getenv, home)
	if err != nil {
		return store, ""
	}
	return store, t.URL
}

func completeDeployments(g *globals, _ *cobra.Command) []string {
	store, env := completionStore(g)
	if store == nil {
		return nil
	}
	defer store.Close()
	names, _ := store.KnownDeployments(env)
	return names
}

func completeInstances(g *globals, cmd *cobra.Command) []string {
	dep := ""
	if f := cmd.Flags().Lookup("deployment"); f != nil {
		dep = f.Value.String()
	}
	if dep == "" {
		dep = os.Getenv("BOSH_DEPLOYMENT")
	}
	store, env := completionStore(g)
	if store == nil || dep == "" {
		if store != nil {
			store.Close()
		}
		return nil
	}
	defer store.Close()
	names, _ := store.KnownInstances(env, dep)
	if strings.HasPrefix(dep, "pivotal-container-service-") {
		names = append(names, "pks/0")
	}
	return names
}

func completeClusters(g *globals, _ *cobra.Command) []string {
	store, env := completionStore(g)
	if store == nil {
		return nil
	}
	defer store.Close()
	names, _ := store.KnownClusters(env)
	return names
}

func completeClasses(*globals, *cobra.Command) []string {
	out := make([]string, len(pks.Classes))
	for i, c := range pks.Classes {
		out[i] = string(c)
	}
	return out
}

func completeTasks(g *globals, _ *cobra.Command) []string {
	store, env := completionStore(g)
	if store == nil {
		return nil
	}
	defer store.Close()
	ids, _ := store.KnownTaskIDs(env)
	return ids
}
