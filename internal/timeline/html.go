package timeline

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/trace"
)

// Page is a page of one or more runs.
type Page struct {
	// Title heads the page, such as "pgsafe trace db/migrations".
	Title string
	// Where describes the server, such as "an ephemeral cluster".
	Where string
	Runs  []Run
}

//go:embed page.html.tmpl
var pageTemplate string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"num": func(f float64) string { return trimFloat(f, 3) },
	"anyProbed": func(runs []runView) bool {
		for _, r := range runs {
			if r.Probed {
				return true
			}
		}
		return false
	},
}).Parse(pageTemplate))

// pageView is what the template reads.
type pageView struct {
	Title, Where string
	Runs         []runView
	Legend       []legendItem
	WaitedAfter  string
	BlockedAfter string
}

// legendItem is one lock mode in the legend.
type legendItem struct {
	Mode, Class, Blocks string
}

// HTML writes p as a self-contained HTML page.
func HTML(w io.Writer, p Page) error {
	v := pageView{Title: p.Title, Where: p.Where,
		WaitedAfter: trace.FormatDuration(probe.WaitedAfter), BlockedAfter: trace.FormatDuration(probe.BlockedAfter)}
	for m := locks.AccessExclusive; m > locks.None; m-- {
		v.Legend = append(v.Legend, legendItem{Mode: m.String(), Class: modeClass(m), Blocks: blocks(m)})
	}
	for i, r := range p.Runs {
		v.Runs = append(v.Runs, layout(i, r))
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// trimFloat formats f with at most digits decimals, without trailing
// zeros.
func trimFloat(f float64, digits int) string {
	s := strconv.FormatFloat(f, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
