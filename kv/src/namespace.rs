use std::fmt;

/// A namespace: a one-byte tag that keeps several kinds of records apart in
/// one store.
///
/// Stored keys are `tag ++ key`. Because every tag is exactly one byte, keys
/// of two namespaces can neither collide nor prefix one another. The tag
/// values used by Strata's own layers are listed where they are defined
/// (`strata-pages`, `strata-runtime`); embedders that share a store should
/// pick tags at or above [`Namespace::FIRST_EMBEDDER`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Namespace(u8);

impl Namespace {
    /// The first tag that Strata's own crates never use: tags from here to
    /// 255 are free for embedders.
    pub const FIRST_EMBEDDER: u8 = 128;

    /// The namespace with this tag.
    pub const fn new(tag: u8) -> Self {
        Namespace(tag)
    }

    /// The one-byte tag of this namespace.
    pub const fn tag(self) -> u8 {
        self.0
    }
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Namespace({})", self.0)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "namespace {}", self.0)
    }
}
