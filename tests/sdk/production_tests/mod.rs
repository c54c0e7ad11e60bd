//! `app.production_tests()`: create, list, report, the challenge wait, and the list
//! decoder under seeded mutation.

mod create;
mod list;
mod mutation;
mod report;
mod wait;
