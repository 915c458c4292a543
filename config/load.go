package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxFileBytes is the largest fleet file read (about 6,000 spokes; the
// app carries MaxSpokes).
const MaxFileBytes = 1 << 20

// Load reads and validates a fleet file. The error, when there is one, is a
// *Problems listing every problem with its path and line.
func Load(path string) (*Fleet, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading fleet file: %w", err)
	}
	if st.Size() > MaxFileBytes {
		return nil, tooBig(path, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading fleet file: %w", err)
	}
	return Parse(path, data)
}

// tooBig is the problem of a fleet file over MaxFileBytes (Load refuses it
// before reading it, Parse when handed one).
func tooBig(source string, size int64) *Problems {
	return &Problems{Source: source, List: []Problem{{Message: fmt.Sprintf(
		"the fleet file is %d bytes, over the %d this tool reads (%d spokes at most): split the fleet into fleet files with a hub each", size, MaxFileBytes, MaxSpokes)}}}
}

// Parse validates the fleet file content; source names it in messages.
func Parse(source string, data []byte) (fleet *Fleet, err error) {
	// The YAML library has panicked on malformed input (tags on sequences,
	// found by FuzzParse); such input gets a problem, not a crash.
	defer func() {
		if r := recover(); r != nil {
			fleet, err = nil, &Problems{Source: source, List: []Problem{{
				Message: redact(fmt.Sprintf("the YAML cannot be read (%v); check tags (!...), anchors and indentation", r))}}}
		}
	}()
	if len(data) > MaxFileBytes {
		return nil, tooBig(source, int64(len(data)))
	}
	// Editors on Windows may start a file with a UTF-8 byte-order mark.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Problems{Source: source, List: []Problem{{Message: "the fleet file is empty; start from the example fleet.yaml"}}}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		// A syntax error: the library names the line it stopped at, often
		// below the cause.
		p := decodeProblem(err)
		p.Message = "the YAML cannot be read: " + p.Message + "; check the indentation of this line and of the lines above it (a section's keys are indented under it; a new spoke goes in the list under spokes:, indented like the others)"
		return nil, &Problems{Source: source, List: []Problem{p}}
	}
	c := &collector{file: file}
	if docs := nonEmptyDocs(file); len(docs) > 1 {
		line := 0
		if tk := docs[1].Start; tk != nil && tk.Position != nil {
			line = tk.Position.Line
		} else if tk := docs[1].GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		return nil, &Problems{Source: source, List: []Problem{{Line: line, Message: fmt.Sprintf(
			"the file holds %d YAML documents (separated by ---); a fleet file is one document: merge them, or keep one fleet per file", len(docs))}}}
	}
	checkShape(c, file)
	if p := c.problems(source); p != nil {
		return nil, p
	}
	var ff fleetFile
	// Not strict: checkShape has reported every unknown key already, and
	// top-level x- keys (anchors for merge keys) are allowed.
	if err := yaml.Unmarshal(data, &ff); err != nil {
		return nil, &Problems{Source: source, List: []Problem{decodeProblem(err)}}
	}
	fleet = resolve(source, &ff, c)
	if p := c.problems(source); p != nil {
		return nil, p
	}
	return fleet, nil
}

func nonEmptyDocs(file *ast.File) []*ast.DocumentNode {
	var out []*ast.DocumentNode
	for _, d := range file.Docs {
		if d != nil && d.Body != nil {
			out = append(out, d)
		}
	}
	return out
}

// decodeProblem turns a YAML decode error into a Problem with its line and,
// for an unknown key, the closest known key.
func decodeProblem(err error) Problem {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return Problem{Message: redact(err.Error())}
	}
	pr := Problem{Message: redact(ye.GetMessage())}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		pr.Line = tk.Position.Line
		var unknown *yaml.UnknownFieldError
		if errors.As(err, &unknown) {
			pr.Path = redact(tk.Value)
			pr.Message = redact(fmt.Sprintf("unknown key %q", tk.Value))
			if s := closestKey(tk.Value); s != "" {
				pr.Message += fmt.Sprintf("; did you mean %q?", s)
			} else {
				pr.Message += "; remove it (see the example fleet.yaml for the keys)"
			}
		}
	}
	if strings.Contains(pr.Message, "cannot unmarshal") {
		pr.Message = "wrong type: " + pr.Message
	}
	return pr
}

// knownKeys are every YAML key of the fleet file.
var knownKeys = func() []string {
	var keys []string
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if tag := f.Tag.Get("yaml"); tag != "" {
				keys = append(keys, strings.Split(tag, ",")[0])
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(fleetFile{}))
	return keys
}()

func closestKey(key string) string {
	best, bestDist := "", 3
	for _, k := range knownKeys {
		if d := editDistance(strings.ToLower(key), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
