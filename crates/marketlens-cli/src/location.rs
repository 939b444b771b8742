//! Where the blob store put a report, as a person should read it: a local file as its
//! path (decoded from its `file://` URI, `%20` and all), anything else as the store
//! gave it (`s3://bucket/prefix/<id>/report.html` is not a path on this machine).

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A file on this machine.
    File(PathBuf),
    /// Anywhere else, as the blob store named it.
    Remote(String),
}

impl Location {
    /// Reads a blob store's URI. Text that is not a URI at all is taken as a path.
    pub fn of(uri: &str) -> Location {
        match url::Url::parse(uri) {
            Ok(url) if url.scheme() == "file" => url
                .to_file_path()
                .map(Location::File)
                .unwrap_or_else(|()| Location::Remote(uri.to_owned())),
            Ok(_) => Location::Remote(uri.to_owned()),
            Err(_) => Location::File(PathBuf::from(uri)),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Remote(_) => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Remote(uri) => f.write_str(uri),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_uri_is_its_decoded_path() {
        let l = Location::of("file:///srv/my%20data/r%231/report.html");
        assert_eq!(l.path(), Some(Path::new("/srv/my data/r#1/report.html")));
        assert_eq!(l.to_string(), "/srv/my data/r#1/report.html");
    }

    #[test]
    fn an_s3_location_stays_as_the_store_gave_it() {
        let uri = "s3://reports-bucket/reports/0195/report.html";
        let l = Location::of(uri);
        assert_eq!(l, Location::Remote(uri.to_owned()));
        assert_eq!(l.path(), None);
        assert_eq!(l.to_string(), uri);
    }

    #[test]
    fn plain_text_is_a_path_and_a_remote_file_uri_is_not_local() {
        assert_eq!(
            Location::of("/tmp/reports/report.html").path(),
            Some(Path::new("/tmp/reports/report.html"))
        );
        let remote = "file://fileserver/share/report.html";
        assert_eq!(Location::of(remote), Location::Remote(remote.to_owned()));
    }
}
