package analytics

import "testing"

// Each band's edges, in 2026.
func TestAudienceAgeBands(t *testing.T) {
	for born, want := range map[string]string{
		"2009": "under 18", "2008": "18-24", "2002": "18-24", "2001": "25-34", "1992": "25-34", "1991": "35-44",
		"1982": "35-44", "1981": "45-54", "1972": "45-54", "1971": "55-64", "1962": "55-64", "1961": "65+", "1900": "65+",
		"": Unknown, "x": Unknown,
	} {
		if got := ageBand(born, 2026); got != want {
			t.Errorf("born %q: %q, want %q", born, got, want)
		}
	}
}
