//! What `StreamReader::read_until` looks for: one separator or several,
//! borrowed from the caller (no allocation per call), and the search.

/// One separator or several, for [`StreamReader::read_until`](crate::StreamReader::read_until).
///
/// ```
/// # hive::run(async {
/// let (a, b) = hive::net::UnixStream::pair().unwrap();
/// let (mut r, _w) = hive::net::StreamReader::from_unix(a);
/// b.write_all(b"a;b\r\n").await.unwrap();
/// assert_eq!(r.read_until(b";").await.unwrap(), b"a;");
/// assert_eq!(r.read_until([&b"\n"[..], b"\r\n"]).await.unwrap(), b"b\r\n");
/// # }).unwrap();
/// ```
pub trait Separators {
    /// The separators (each must be non-empty), borrowed from `self`.
    ///
    /// ```
    /// use hive::net::Separators;
    /// assert_eq!(b"\n".separators().len(), 1);
    /// ```
    fn separators(&self) -> SeparatorList<'_>;
}

/// The separators a [`Separators`] value stands for, without copying them.
///
/// ```
/// use hive::net::{SeparatorList, Separators};
/// let seps = [&b"\r\n"[..], b"\n"];
/// let list: SeparatorList<'_> = seps.separators();
/// assert_eq!(list.iter().count(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub enum SeparatorList<'a> {
    /// A single separator.
    One(&'a [u8]),
    /// Several; the earliest match in the data wins.
    Many(&'a [&'a [u8]]),
}

impl<'a> SeparatorList<'a> {
    /// The separators, in the order given.
    ///
    /// ```
    /// use hive::net::Separators;
    /// assert_eq!(b";".separators().iter().next(), Some(&b";"[..]));
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        let (one, many): (Option<&'a [u8]>, &'a [&'a [u8]]) = match *self {
            SeparatorList::One(sep) => (Some(sep), &[]),
            SeparatorList::Many(seps) => (None, seps),
        };
        one.into_iter().chain(many.iter().copied())
    }

    /// How many separators there are.
    ///
    /// ```
    /// use hive::net::Separators;
    /// assert_eq!("ab".separators().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            SeparatorList::One(_) => 1,
            SeparatorList::Many(seps) => seps.len(),
        }
    }

    /// Whether there is none (which `read_until` refuses).
    ///
    /// ```
    /// use hive::net::Separators;
    /// let none: &[&[u8]] = &[];
    /// assert!(none.separators().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `read_until` can search for these: at least one, none empty.
    pub(crate) fn is_usable(&self) -> bool {
        !self.is_empty() && self.iter().all(|sep| !sep.is_empty())
    }

    /// The longest separator's length (how far back a new search must
    /// start, so a separator split across two reads is found).
    pub(crate) fn longest(&self) -> usize {
        self.iter().map(<[u8]>::len).max().unwrap_or(1)
    }

    /// The earliest separator in `data[from..]`: `(where it starts, its
    /// length)`.
    pub(crate) fn find_earliest(&self, data: &[u8], from: usize) -> Option<(usize, usize)> {
        let mut found: Option<(usize, usize)> = None;
        for sep in self.iter() {
            if let Some(i) = find(&data[from..], sep) {
                let at = from + i;
                if found.is_none_or(|(earliest, _)| at < earliest) {
                    found = Some((at, sep.len()));
                }
            }
        }
        found
    }
}

impl<const N: usize> Separators for &[u8; N] {
    fn separators(&self) -> SeparatorList<'_> {
        SeparatorList::One(&self[..])
    }
}
impl Separators for &[u8] {
    fn separators(&self) -> SeparatorList<'_> {
        SeparatorList::One(self)
    }
}
impl Separators for &str {
    fn separators(&self) -> SeparatorList<'_> {
        SeparatorList::One(self.as_bytes())
    }
}
impl Separators for u8 {
    fn separators(&self) -> SeparatorList<'_> {
        SeparatorList::One(std::slice::from_ref(self))
    }
}
impl<const N: usize> Separators for [&[u8]; N] {
    fn separators(&self) -> SeparatorList<'_> {
        SeparatorList::Many(&self[..])
    }
}
impl Separators for &[&[u8]] {
    fn separators(&self) -> SeparatorList<'_> {
        SeparatorList::Many(self)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        return hay.iter().position(|&b| b == needle[0]);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
