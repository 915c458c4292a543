package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// AgentImageDir is the folder the agent image is built from.
const AgentImageDir = "agent"

// AgentImageTag is the tag of the image built from dir: "agent-" and the
// first 12 hex digits of a SHA-256 over every file's path, mode and content.
// It changes when and only when the content changes (not on a touch), so
// spokes roll only when the image really changes.
func AgentImageTag(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hashing the agent image folder: %w", err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("hashing the agent image folder: %s has no files", dir)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%o\x00", filepath.ToSlash(rel), st.Mode().Perm()&0o111)
		in, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, in)
		in.Close()
		if err != nil {
			return "", err
		}
		h.Write([]byte{0})
	}
	return "agent-" + hex.EncodeToString(h.Sum(nil))[:12], nil
}
