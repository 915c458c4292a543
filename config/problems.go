package config

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Problem is one thing wrong with a fleet file.
type Problem struct {
	Path    string // e.g. spokes[1].account
	Line    int    // 1-based; 0 when unknown
	Message string // what is wrong and how to fix it
}

// Problems is every problem found in a fleet file. Load returns it as its error.
type Problems struct {
	Source string
	List   []Problem
}

func (p *Problems) Error() string {
	var b strings.Builder
	noun := "problems"
	if len(p.List) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "%s: %d %s in the fleet file:", p.Source, len(p.List), noun)
	for _, pr := range p.List {
		b.WriteString("\n  ")
		b.WriteString(pr.String(p.Source))
	}
	return b.String()
}

// String formats a problem as file:line: path: message.
func (pr Problem) String(source string) string {
	loc := source
	if pr.Line > 0 {
		loc = fmt.Sprintf("%s:%d", source, pr.Line)
	}
	if pr.Path == "" {
		return fmt.Sprintf("%s: %s", loc, pr.Message)
	}
	return fmt.Sprintf("%s: %s: %s", loc, pr.Path, pr.Message)
}

// collector gathers problems and finds their line in the YAML document.
type collector struct {
	file    *ast.File
	anchors map[string]ast.Node
	seen    map[string]bool
	list    []Problem
}

func (c *collector) add(path, format string, args ...any) {
	c.addAt(c.line(path), path, format, args...)
}

// addAt adds a problem at a known line (e.g. an unknown key's own line).
func (c *collector) addAt(line int, path, format string, args ...any) {
	msg := redact(fmt.Sprintf(format, args...))
	// A key can be anything typed (a URL pasted as a key): its path too.
	path = redact(path)
	key := path + "\x00" + msg
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.list = append(c.list, Problem{Path: path, Line: line, Message: msg})
}

// line finds the line of path in the document, falling back to the nearest
// parent that exists (a missing field is reported where its parent is).
func (c *collector) line(path string) int {
	if c.file == nil {
		return 0
	}
	for p := path; p != ""; p = parentPath(p) {
		yp, err := yaml.PathString("$." + p)
		if err != nil {
			continue
		}
		node, err := yp.FilterFile(c.file)
		if err != nil || node == nil {
			continue
		}
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line
		}
	}
	return 0
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

func (c *collector) problems(source string) *Problems {
	if len(c.list) == 0 {
		return nil
	}
	sort.SliceStable(c.list, func(i, j int) bool { return c.list[i].Line < c.list[j].Line })
	return &Problems{Source: source, List: c.list}
}

// credentialLike is a run of 32 or more characters of the alphabets tokens
// are written in (an Azure DevOps PAT is 52 or 84 such characters).
var credentialLike = regexp.MustCompile(`[A-Za-z0-9+/=_-]{32,}`)

// urlUserinfo is the user info of a URL ("//user:secret@" up to the last @
// before the end of the token, so a password with / or @ in it is covered),
// and queryString a query: "?" and what follows up to a space, a quote or
// a fragment (with or without a scheme: "dev.azure.com/org?token=..." too).
var (
	urlUserinfo = regexp.MustCompile(`//[^\s"'\x60]*@`)
	queryString = regexp.MustCompile(`\?[^\s"'\x60#]+`)
)

// redactedUserinfo and redactedValue replace a URL's user info and each
// query value in messages.
const (
	redactedUserinfo = "//<user info not shown>@"
	redactedValue    = "<not shown>"
)

// redactURLs hides every URL user info and query value in msg, whatever
// their length (a short token is still a token); a query's keys stay, so
// the message still says what is wrong.
func redactURLs(msg string) string {
	msg = urlUserinfo.ReplaceAllString(msg, redactedUserinfo)
	return queryString.ReplaceAllStringFunc(msg, func(q string) string {
		parts := strings.Split(q[1:], "&")
		for i, part := range parts {
			if k, _, ok := strings.Cut(part, "="); ok {
				parts[i] = k + "=" + redactedValue
			} else if part != "" {
				parts[i] = redactedValue
			}
		}
		return "?" + strings.Join(parts, "&")
	})
}

// redact hides anything in a message that looks like a credential (a token
// pasted into the wrong key must not reach a terminal or a CI log): a URL's
// user info and query values, and long token-like runs.
func redact(msg string) string {
	msg = redactURLs(msg)
	return credentialLike.ReplaceAllStringFunc(msg, func(s string) string {
		// A path (slashes and dashes, e.g. an organizational unit's) is not
		// a token; base64 and base32 tokens have no dashes.
		path := strings.Contains(s, "/") && strings.Contains(s, "-")
		if !path && strings.ContainsAny(s, "0123456789") && strings.IndexFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0 {
			return fmt.Sprintf("<%d characters that look like a credential, not shown>", len(s))
		}
		return s
	})
}
