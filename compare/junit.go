package compare

import (
	"encoding/xml"
	"fmt"
	"io"
)

// JUnit XML as the CI test reporters read it (GitLab's, Jenkins' junit
// plugin, GitHub's test-reporter actions): <testsuites> holding one
// <testsuite>, one <testcase> per check, a <failure> in each that failed.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the checks recorded by Gate as JUnit XML, suite named
// name: one test case per object, direction and bound, named "METRIC <=
// LIMIT" in the class "OBJECT DIRECTION", failing with the measured value.
func (r *Report) WriteJUnit(w io.Writer, name string) error {
	s := junitSuite{Name: name, Time: "0"}
	for _, c := range r.Checks {
		tc := junitCase{Name: fmt.Sprintf("%s <= %g", c.Metric, c.Limit), Classname: c.ID + " " + c.Dir, Time: "0"}
		if !c.Passed {
			msg := c.Describe()
			tc.Failure = &junitFailure{Message: msg, Type: c.Bound,
				Text: fmt.Sprintf("%s %s: %s\noriginal %s, generated %s", c.ID, c.Dir, msg, r.Original, r.Generated)}
			s.Failures++
		}
		s.Cases = append(s.Cases, tc)
	}
	s.Tests = len(s.Cases)
	doc := junitSuites{Name: name, Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
