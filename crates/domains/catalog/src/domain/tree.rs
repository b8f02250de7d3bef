//! The category tree: where a category sits, and which moves keep it a tree.
//!
//! Each category stores its path, the ids from the root down to itself (`/a/b/c/`), so "this
//! category and everything under it" is one prefix match and a move rewrites one subtree.

use uuid::Uuid;

/// The ids from the root down to a category, itself last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryPath(Vec<Uuid>);

/// Moving a category under itself or one of its descendants would cut it off from the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle;

impl CategoryPath {
    pub fn root(id: Uuid) -> Self {
        Self(vec![id])
    }

    pub fn child(&self, id: Uuid) -> Self {
        let mut ids = self.0.clone();
        ids.push(id);
        Self(ids)
    }

    /// The category this path leads to.
    pub fn id(&self) -> Uuid {
        *self.0.last().unwrap_or(&Uuid::nil())
    }

    pub fn ids(&self) -> &[Uuid] {
        &self.0
    }

    pub fn contains(&self, id: Uuid) -> bool {
        self.0.contains(&id)
    }

    /// `/a/b/`: what the database stores and prefix-matches.
    pub fn encode(&self) -> String {
        let mut text = String::from("/");
        for id in &self.0 {
            text.push_str(&id.to_string());
            text.push('/');
        }
        text
    }

    pub fn decode(text: &str) -> Option<Self> {
        let ids: Option<Vec<Uuid>> = text
            .trim_matches('/')
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().ok())
            .collect();
        ids.filter(|ids| !ids.is_empty()).map(Self)
    }

    /// Where `moving` lands under `new_parent` (or at the root): refused when the new parent is
    /// `moving` itself or lies beneath it.
    pub fn moved_under(&self, new_parent: Option<&CategoryPath>) -> Result<CategoryPath, Cycle> {
        match new_parent {
            None => Ok(Self::root(self.id())),
            Some(parent) if parent.contains(self.id()) => Err(Cycle),
            Some(parent) => Ok(parent.child(self.id())),
        }
    }

    /// A descendant's path after its ancestor `from` moved to `to`.
    pub fn rebased(&self, from: &CategoryPath, to: &CategoryPath) -> Option<CategoryPath> {
        let rest = self.0.strip_prefix(from.0.as_slice())?;
        let mut ids = to.0.clone();
        ids.extend_from_slice(rest);
        Some(Self(ids))
    }
}

/// Siblings in their new order after `moving` is put at `position` (0 = first; past the end or
/// `None` = last). `siblings` may already hold `moving` (a reorder) or not (a move or insert).
pub fn place(siblings: &[Uuid], moving: Uuid, position: Option<usize>) -> Vec<Uuid> {
    let mut order: Vec<Uuid> = siblings
        .iter()
        .copied()
        .filter(|id| *id != moving)
        .collect();
    let at = position.unwrap_or(order.len()).min(order.len());
    order.insert(at, moving);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    #[test]
    fn paths_round_trip_through_text() {
        let [a, b] = ids(2)[..] else { unreachable!() };
        let path = CategoryPath::root(a).child(b);
        assert_eq!(CategoryPath::decode(&path.encode()), Some(path.clone()));
        assert_eq!(path.id(), b);
        assert_eq!(CategoryPath::decode("/"), None);
        assert_eq!(CategoryPath::decode("/nope/"), None);
    }

    #[test]
    fn a_category_cannot_move_under_itself_or_its_descendants() {
        let [fashion, gamis, syari] = ids(3)[..] else {
            unreachable!()
        };
        let fashion_path = CategoryPath::root(fashion);
        let gamis_path = fashion_path.child(gamis);
        let syari_path = gamis_path.child(syari);
        assert_eq!(fashion_path.moved_under(Some(&syari_path)), Err(Cycle));
        assert_eq!(fashion_path.moved_under(Some(&fashion_path)), Err(Cycle));
        assert_eq!(
            syari_path.moved_under(None).unwrap(),
            CategoryPath::root(syari)
        );
        // Gamis moves to the root: Syar'i follows it.
        let moved = gamis_path.moved_under(None).unwrap();
        assert_eq!(
            syari_path.rebased(&gamis_path, &moved).unwrap().ids(),
            &[gamis, syari]
        );
    }

    #[test]
    fn siblings_make_room() {
        let [a, b, c, d] = ids(4)[..] else {
            unreachable!()
        };
        assert_eq!(place(&[a, b, c], d, Some(1)), vec![a, d, b, c]);
        assert_eq!(place(&[a, b, c], a, Some(2)), vec![b, c, a]);
        assert_eq!(place(&[a, b, c], d, None), vec![a, b, c, d]);
        assert_eq!(place(&[a, b, c], d, Some(99)), vec![a, b, c, d]);
    }

    proptest! {
        #[test]
        fn any_allowed_move_keeps_every_path_free_of_repeats(depth in 1usize..6, target in 0usize..6, mover in 0usize..6) {
            // A chain root → ... → leaf, and one more root elsewhere.
            let chain = ids(depth);
            let mut paths = vec![CategoryPath::root(chain[0])];
            for id in &chain[1..] {
                let next = paths.last().unwrap().child(*id);
                paths.push(next);
            }
            let other = CategoryPath::root(Uuid::now_v7());
            paths.push(other);
            let moving = &paths[mover % paths.len()];
            let parent = &paths[target % paths.len()];
            match moving.moved_under(Some(parent)) {
                Err(Cycle) => prop_assert!(parent.contains(moving.id())),
                Ok(new_path) => {
                    for path in &paths {
                        let after = path.rebased(moving, &new_path).unwrap_or_else(|| path.clone());
                        let unique: std::collections::HashSet<_> = after.ids().iter().collect();
                        prop_assert_eq!(unique.len(), after.ids().len());
                    }
                }
            }
        }

        #[test]
        fn placing_keeps_every_sibling_once(n in 0usize..8, position in proptest::option::of(0usize..10), existing in proptest::bool::ANY) {
            let siblings = ids(n);
            let moving = if existing && n > 0 { siblings[0] } else { Uuid::now_v7() };
            let order = place(&siblings, moving, position);
            let expected = if existing && n > 0 { n } else { n + 1 };
            prop_assert_eq!(order.len(), expected);
            prop_assert_eq!(order.iter().filter(|id| **id == moving).count(), 1);
            if let Some(p) = position {
                prop_assert_eq!(order[p.min(expected - 1)], moving);
            }
        }
    }
}
