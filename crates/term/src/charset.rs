//! Character sets: G0–G3 designation (ESC ( ) * + F), locking shifts SI/SO, and the DEC
//! special graphics (line drawing) mapping.

/// A 94-character set a G slot can hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Charset {
    #[default]
    Ascii,
    /// DEC special graphics (`ESC ( 0`): `lqk` etc. become box drawing.
    DecSpecial,
    /// United Kingdom (`ESC ( A`): `#` becomes `£`.
    Uk,
}

impl Charset {
    /// The set designated by final byte `f`.
    pub fn from_final(f: u8) -> Option<Charset> {
        match f {
            b'B' => Some(Charset::Ascii),
            b'0' => Some(Charset::DecSpecial),
            b'A' => Some(Charset::Uk),
            _ => None,
        }
    }

    #[inline]
    pub fn map(self, c: char) -> char {
        match self {
            Charset::Ascii => c,
            Charset::Uk => {
                if c == '#' {
                    '£'
                } else {
                    c
                }
            }
            Charset::DecSpecial => dec_special(c),
        }
    }
}

fn dec_special(c: char) -> char {
    match c {
        '_' => ' ',
        '`' => '◆',
        'a' => '▒',
        'b' => '␉',
        'c' => '␌',
        'd' => '␍',
        'e' => '␊',
        'f' => '°',
        'g' => '±',
        'h' => '␤',
        'i' => '␋',
        'j' => '┘',
        'k' => '┐',
        'l' => '┌',
        'm' => '└',
        'n' => '┼',
        'o' => '⎺',
        'p' => '⎻',
        'q' => '─',
        'r' => '⎼',
        's' => '⎽',
        't' => '├',
        'u' => '┤',
        'v' => '┴',
        'w' => '┬',
        'x' => '│',
        'y' => '≤',
        'z' => '≥',
        '{' => 'π',
        '|' => '≠',
        '}' => '£',
        '~' => '·',
        _ => c,
    }
}

/// The four G slots and which one is invoked into GL.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Charsets {
    pub g: [Charset; 4],
    pub gl: u8,
}

impl Charsets {
    /// True when printing needs no translation (the fast path).
    #[inline]
    pub fn is_identity(&self) -> bool {
        self.g[self.gl as usize & 3] == Charset::Ascii
    }

    #[inline]
    pub fn map(&self, c: char) -> char {
        self.g[self.gl as usize & 3].map(c)
    }
}
