package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// buildDir holds the binaries the tests build (sharedBuild), once per test run.
var buildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ledgerd-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var builds sync.Map // name → *buildOnce

type buildOnce struct {
	once sync.Once
	path string
	err  error
}

// sharedBuild builds the main package pkg (a directory or an import path of this module's
// graph) once per test run and returns the binary's path.
func sharedBuild(t *testing.T, name, pkg string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(name, &buildOnce{})
	b := v.(*buildOnce)
	b.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		b.path = filepath.Join(buildDir, name)
		cmd := exec.Command(goTool, "build", "-o", b.path, pkg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out.String())
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}
