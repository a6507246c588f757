package main

// The codex-linux-sandbox front-end: OpenAI Codex's helper dialects.

// isCodexName reports whether the binary was invoked under one of the
// names Codex gives its Linux helper.
func isCodexName(base string) bool {
	switch base {
	case "codex-linux-sandbox", "codex-linux-sandbox-x64", "codex-linux-sandbox-arm64":
		return true
	}
	return false
}

// runCodex parses Codex's helper arguments into a Policy and starts it.
func runCodex(args []string) int {
	errorf("codex-linux-sandbox dialects are not implemented yet")
	return exitUsage
}
