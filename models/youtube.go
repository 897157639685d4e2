package models

import "regexp"

var youTubeID = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)

// YouTubeID reports whether id has the shape of a YouTube video id: the
// only part of a video's address the platform keeps or puts on a page.
func YouTubeID(id string) bool { return youTubeID.MatchString(id) }

// YouTubeEmbedURL is the privacy-enhanced player of a video id, built from
// a checked id alone ("" for anything else).
func YouTubeEmbedURL(id string) string {
	if !YouTubeID(id) {
		return ""
	}
	return "https://www.youtube-nocookie.com/embed/" + id
}

// YouTubeThumbnailURL is a video's still image, for link previews ("" for
// anything but a checked id).
func YouTubeThumbnailURL(id string) string {
	if !YouTubeID(id) {
		return ""
	}
	return "https://i.ytimg.com/vi/" + id + "/hqdefault.jpg"
}
