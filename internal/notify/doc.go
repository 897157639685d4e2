// Package notify is what a notification is and how it leaves: the request
// a feature makes (Notification), its in-app row, and the senders of the
// outward channels (SendGrid Mailer, web Pusher) that activities call.
// The entry point that sends one, package notifier, sits above the
// workflows; this package imports nothing above the services.
//
// Layer: a leaf service. Imports models and the services below it; never
// workflows, notifier or anything else above internal/ (tooling/archtest
// checks).
package notify
