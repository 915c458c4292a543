package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// checkShape walks the YAML document against the file structs before
// anything is decoded, and reports at once, each with its path and line:
// every unknown key (with the key it may be a typo of, or where it belongs
// when it is a key of another section), and every value of the wrong kind
// in the user's words (a number where a number belongs, quotes around an
// account id). Top-level keys starting with "x-" are free (for YAML anchors
// shared by merge keys, <<).
func checkShape(c *collector, file *ast.File) {
	anchors := anchorIndex{}
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			ast.Walk(anchors, doc.Body)
		}
	}
	c.anchors = anchors
	for _, doc := range file.Docs {
		if doc != nil && doc.Body != nil {
			walkKeys(c, doc.Body, reflect.TypeOf(fleetFile{}), "")
		}
	}
}

// anchorIndex maps each anchor's name to its value, to check what a merge
// key brings in against the section it merges into.
type anchorIndex map[string]ast.Node

func (a anchorIndex) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

func walkKeys(c *collector, node ast.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n := node.(type) {
	case *ast.TagNode:
		walkKeys(c, n.Value, t, path)
	case *ast.AnchorNode:
		walkKeys(c, n.Value, t, path)
	case *ast.AliasNode:
		// The anchored value is checked where it is written.
	case *ast.MappingNode:
		if t.Kind() != reflect.Struct {
			checkScalar(c, node, t, path)
			return
		}
		for _, mv := range n.Values {
			walkPair(c, mv, t, path)
		}
	case *ast.MappingValueNode:
		if t.Kind() != reflect.Struct {
			checkScalar(c, node, t, path)
			return
		}
		walkPair(c, n, t, path)
	case *ast.SequenceNode:
		if t.Kind() != reflect.Slice {
			checkScalar(c, node, t, path)
			return
		}
		for i, v := range n.Values {
			walkKeys(c, v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	default:
		checkScalar(c, node, t, path)
	}
}

func walkPair(c *collector, mv *ast.MappingValueNode, t reflect.Type, path string) {
	if mv.Key == nil {
		return
	}
	key := strings.Trim(mv.Key.String(), `"'`)
	if key == "<<" { // merge key: its mapping's keys belong here
		walkMerge(c, mv.Value, t, path)
		return
	}
	if path == "" && strings.HasPrefix(key, "x-") {
		return
	}
	field, ok := fieldByTag(t, key)
	p := key
	if path != "" {
		p = path + "." + key
	}
	if !ok {
		line := c.line(p)
		if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
			line = tk.Position.Line
		}
		c.addAt(line, p, "%s", unknownKeyMessage(key, t, path))
		return
	}
	walkKeys(c, mv.Value, field.Type, p)
}

// walkMerge checks the mappings a merge key brings in (an alias, an inline
// mapping, or a list of either) against the type they merge into.
func walkMerge(c *collector, v ast.Node, t reflect.Type, path string) {
	switch n := v.(type) {
	case *ast.AliasNode:
		if n.Value != nil {
			if target, ok := c.anchors[n.Value.GetToken().Value]; ok {
				walkKeys(c, target, t, path)
			}
		}
	case *ast.SequenceNode:
		for _, e := range n.Values {
			walkMerge(c, e, t, path)
		}
	default:
		walkKeys(c, v, t, path)
	}
}

// unknownKeyMessage says what to do with key, unknown in type t at path:
// move it where it belongs, fix a typo, or remove it.
func unknownKeyMessage(key string, t reflect.Type, path string) string {
	if where := belongsAt(key, t, path); where != "" {
		return fmt.Sprintf("%q does not go here: it belongs under %s (as %s)", key, parentPath(where)+":", where)
	}
	msg := fmt.Sprintf("unknown key %q", key)
	if s := closestKey(key); s != "" && s != key {
		return msg + fmt.Sprintf("; did you mean %q?", s)
	}
	return msg + "; remove it (docs/fleet-file.md lists the keys)"
}

// belongsAt finds where key is a real key: below t first (one or two levels,
// e.g. a spoke's vpcId belongs under its network), else in the file's other
// sections, taking the same spoke when path is inside one.
func belongsAt(key string, t reflect.Type, path string) string {
	for _, p := range keyPaths(t, "", 2) {
		if lastKey(p) == key {
			return joinPath(path, p)
		}
	}
	spoke := ""
	if strings.HasPrefix(path, "spokes[") {
		spoke = path[:strings.Index(path, "]")+1]
	}
	var global string
	for _, p := range keyPaths(reflect.TypeOf(fleetFile{}), "", 4) {
		if lastKey(p) != key {
			continue
		}
		if spoke != "" && strings.HasPrefix(p, "spokes[].") {
			return spoke + strings.TrimPrefix(p, "spokes[]")
		}
		if spoke == "" && !strings.HasPrefix(p, "spokes[]") && global == "" {
			global = p
		}
	}
	return global
}

// keyPaths lists the key paths of t down to depth levels ("spokes[]" for
// a list of sections).
func keyPaths(t reflect.Type, prefix string, depth int) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth == 0 || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "imageTag" {
			continue
		}
		p := joinPath(prefix, tag)
		out = append(out, p)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			out = append(out, keyPaths(ft.Elem(), p+"[]", depth-1)...)
		} else {
			out = append(out, keyPaths(ft, p, depth-1)...)
		}
	}
	return out
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func lastKey(p string) string { return p[strings.LastIndex(p, ".")+1:] }

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if strings.Split(f.Tag.Get("yaml"), ",")[0] == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// expected says, in the user's words, what a value of a key is.
var expected = map[string]string{
	"cpu":                 "a number of CPU units such as 1024",
	"memory":              "a number of MiB such as 2048",
	"capacity":            "a number of agents such as 4",
	"weekendCapacity":     "a number of agents such as 0",
	"restoreAfterMinutes": "a number of minutes such as 5",
	"workHoursMax":        "a number of agents such as 10",
	"offHoursMax":         "a number of agents such as 2",
	"enabled":             "true or false",
	"logRetentionDays":    "a number of days such as 30",
	"stopTimeoutSeconds":  "a number of seconds such as 120",
	"maxJobMinutes":       "a number of minutes such as 120",
	"imagesKept":          "a number of images such as 30",
	"shortfallMinutes":    "a number of minutes such as 10",
	"manualApproval":      "true or false",
	"assignPublicIp":      "true or false",
}

// checkScalar reports a value whose kind does not fit the key's type.
func checkScalar(c *collector, node ast.Node, t reflect.Type, path string) {
	key := lastKey(strings.TrimRight(path, "]"))
	if i := strings.LastIndex(key, "["); i >= 0 {
		key = key[:i]
	}
	want := expected[key]
	switch t.Kind() {
	case reflect.Int:
		if _, ok := node.(*ast.IntegerNode); !ok && !isNull(node) {
			c.add(path, "%s is not %s", shown(node), orDefault(want, "a whole number"))
		}
	case reflect.Bool:
		if _, ok := node.(*ast.BoolNode); !ok && !isNull(node) {
			c.add(path, "%s is not %s", shown(node), orDefault(want, "true or false"))
		}
	case reflect.String:
		switch node.(type) {
		case *ast.StringNode, *ast.LiteralNode, *ast.NullNode:
		case *ast.IntegerNode, *ast.FloatNode:
			if strings.HasSuffix(key, "account") || key == "account" {
				src := node.GetToken().Value
				c.add(path, "write the account id in quotes, %q: unquoted, YAML reads %s as a number", src, src)
			}
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			c.add(path, "is a %s, but %s is a single value", kindOf(node), key)
		}
	case reflect.Slice:
		if !isNull(node) {
			c.add(path, "%s is a single value, but %s is a list: write [%s]", shown(node), key, node.GetToken().Value)
		}
	case reflect.Struct:
		if !isNull(node) {
			c.add(path, "%s is a single value, but %s is a section of keys (see docs/fleet-file.md)", shown(node), key)
		}
	}
}

func isNull(n ast.Node) bool { _, ok := n.(*ast.NullNode); return ok }

func kindOf(n ast.Node) string {
	if _, ok := n.(*ast.SequenceNode); ok {
		return "list"
	}
	return "section of keys"
}

// shown is a value as the user wrote it, quoted.
func shown(n ast.Node) string {
	if tk := n.GetToken(); tk != nil {
		return fmt.Sprintf("%q", tk.Value)
	}
	return fmt.Sprintf("%q", n.String())
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
