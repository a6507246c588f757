package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// protectedMetadataNames are the entries at the top of every writable root
// that stay read-only, existing or not: a command that may edit a project
// must not plant git hooks (.git), rewrite the agent's own configuration
// and instructions (.codex, .agents) or swap the AWS credentials and
// config that tools in the project pick up (.aws: Codex 0.171 lists it in
// every writable root of its workspace-write profile). Only the top level
// of each root is covered; a nested repository's .git is as writable as
// its parent.
//
// This is the one list: the Codex front-end turns it into read-only
// islands for every engine (Seatbelt, the namespace engine), and the
// Seatbelt engine matches every island case-insensitively, so a missing
// .git cannot be created as .GIT on a case-insensitive volume.
var protectedMetadataNames = []string{".git", ".codex", ".agents", ".aws"}

// protectedSubpaths returns the paths beneath root that must stay read-only,
// following Codex (2026-04 and later), which protects its metadata names
// under every writable root even when they are missing, so that the
// command cannot create them either. When root/.git is a file of the form
// "gitdir: X" (worktrees, submodules), the directory X it points to is
// protected as well, provided it exists; a relative X is taken relative to
// root, as git does.
//
// The result is root/.git, the gitdir target if any, then root/NAME for the
// other names in protectedMetadataNames' order. Engines that can only protect paths that exist (Landlock
// cannot subtract a subtree at all) must filter or refuse; Seatbelt
// enforces every entry. Explicit write grants that override a protection
// are the front-end's business: it drops the entry.
func protectedSubpaths(root string) []string {
	root = filepath.Clean(root)
	var out []string
	for _, name := range protectedMetadataNames {
		p := filepath.Join(root, name)
		out = append(out, p)
		if name == ".git" {
			if target, ok := gitdirTarget(p); ok {
				out = append(out, target)
			}
		}
	}
	return out
}

// gitdirTarget reads a .git pointer file and returns the existing path it
// names. Anything unexpected (not a regular file, no "gitdir:" line,
// missing target) yields false: the .git entry itself is protected anyway.
func gitdirTarget(dotGit string) (string, bool) {
	fi, err := os.Stat(dotGit)
	if err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	f, err := os.Open(dotGit)
	if err != nil {
		return "", false
	}
	defer f.Close()
	// A pointer file is one short line; do not read an arbitrary file whole.
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false
	}
	rest, ok := strings.CutPrefix(line, "gitdir:")
	if !ok {
		return "", false
	}
	target := strings.TrimSpace(rest)
	if target == "" {
		return "", false
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(dotGit), target)
	}
	target = filepath.Clean(target)
	if _, err := os.Stat(target); err != nil {
		return "", false
	}
	return target, true
}
