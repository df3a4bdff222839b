package sshdtest

import "testing"

// A missing program skips the test with the package to install, unless
// BOSUN_REQUIRE_SYSTEM_TESTS=1 asks for a failure.
func TestRequireSkipsOrFails(t *testing.T) {
	packages["bosun-no-such-program"] = "bosun-no-such-package"
	t.Cleanup(func() { delete(packages, "bosun-no-such-program") })

	t.Setenv(RequireEnv, "")
	var skipped bool
	t.Run("skip", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Require(t, "bosun-no-such-program")
	})
	if !skipped {
		t.Fatal("a missing program did not skip the test")
	}

	present := &recorder{}
	Require(present, "sh")
	if present.failed || present.skipped {
		t.Fatalf("a present program stopped the test: %+v", present)
	}

	t.Setenv(RequireEnv, "1")
	failing := &recorder{}
	Require(failing, "bosun-no-such-program")
	if !failing.failed || failing.skipped {
		t.Fatalf("with %s=1 a missing program must fail the test: %+v", RequireEnv, failing)
	}
	if want := "bosun-no-such-package"; !contains(failing.msg, want) {
		t.Fatalf("message %q does not name the package %q", failing.msg, want)
	}
}
