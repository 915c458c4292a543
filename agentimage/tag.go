// Package agentimage names the agent image: the one tag both delivery paths
// deploy, and the rebuild period that keeps it patched. No CDK here: the
// operator tool uses it too.
package agentimage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Dir is the folder the agent image is built from.
const Dir = "agent"

// Tag is the one tag of the agent image that both delivery paths
// deploy: "agent-", the first 12 hex digits of a SHA-256 over every file's
// path and content in dir, and the first day (UTC) of the rebuild
// period that date falls in, e.g. agent-3f2a9c0e1b7d-20261123. It changes
// when agent/ changes (not on a touch) and when a new rebuild period starts,
// so every period's image is built afresh from the patched base image. Tags
// are immutable: each build is a new tag.
func Tag(dir, rebuild string, date time.Time) (string, error) {
	start, err := RebuildPeriodStart(rebuild, date)
	if err != nil {
		return "", err
	}
	hash, err := contentHash(dir)
	if err != nil {
		return "", err
	}
	return "agent-" + hash + "-" + start.Format("20060102"), nil
}

// Rebuild periods of the agent image (the fleet file's image.rebuild).
const (
	RebuildDaily   = "daily"
	RebuildWeekly  = "weekly"
	RebuildMonthly = "monthly"
)

// RebuildPeriodStart is 00:00 UTC of the first day of the period that date
// falls in: that day, its week's Monday, or its month's first day.
func RebuildPeriodStart(rebuild string, date time.Time) (time.Time, error) {
	d := date.UTC()
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	switch rebuild {
	case RebuildDaily:
		return day, nil
	case RebuildWeekly:
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)), nil
	case RebuildMonthly:
		return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("image rebuild period %q: use daily, weekly or monthly", rebuild)
}

// RebuildSchedule is the EventBridge schedule (UTC) that starts the pipeline
// at 03:00 on the first day of each rebuild period.
func RebuildSchedule(rebuild string) string {
	switch rebuild {
	case RebuildDaily:
		return "cron(0 3 * * ? *)"
	case RebuildMonthly:
		return "cron(0 3 1 * ? *)"
	}
	return "cron(0 3 ? * MON *)"
}

// contentHash is the first 12 hex digits of a SHA-256 over every file's
// path and content in dir.
func contentHash(dir string) (string, error) {
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
		// Not the mode: a source zip may drop exec bits, and the tag must
		// be the same on a laptop and in the pipeline.
		fmt.Fprintf(h, "%s\x00", filepath.ToSlash(rel))
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
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}
