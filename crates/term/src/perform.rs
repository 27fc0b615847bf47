//! The `vte::Perform` implementation: routes parser actions to the screen. C0/C1 controls and
//! ESC sequences are handled here; CSI, OSC and DCS have their own files.

use vte::{Params, Perform};

use crate::args::Args;
use crate::charset::Charset;
use crate::history::HistorySink;
use crate::screen::Screen;

impl<S: HistorySink> Perform for Screen<S> {
    #[inline]
    fn print(&mut self, c: char) {
        Screen::print(self, c)
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            0x07 => {
                self.bells += 1;
                self.damage.other = true;
            }
            0x08 => self.backspace(),
            0x09 => self.tab_forward(1),
            0x0a..=0x0c => {
                if self.modes.newline {
                    self.carriage_return();
                }
                self.cursor.pending_wrap = false;
                self.index();
            }
            0x0d => self.carriage_return(),
            0x0e => self.charsets.gl = 1,
            0x0f => self.charsets.gl = 0,
            0x84 => {
                self.cursor.pending_wrap = false;
                self.index()
            }
            0x85 => {
                self.carriage_return();
                self.index();
            }
            0x88 => self.set_tab(),
            0x8d => self.reverse_index(),
            _ => {}
        }
    }

    fn hook(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        self.dcs_hook(params, intermediates, ignore, action);
    }

    #[inline]
    fn put(&mut self, byte: u8) {
        if let Some(d) = self.images.sixel.as_mut() {
            if self.dcs.kind == crate::dcs::DcsKind::Sixel {
                d.put(byte);
                return;
            }
        }
        self.dcs.put(byte);
        // `DCS tmux;`: stop vte here; the emulator skips the passthrough itself.
        self.stop |= self.dcs.passthrough;
    }

    fn unhook(&mut self) {
        self.dcs_unhook();
    }

    fn osc_dispatch(&mut self, params: &[&[u8]], bell_terminated: bool) {
        self.osc(params, bell_terminated);
        // BEL-terminated: vte is back in ground. ESC-terminated: the `\\` follows as an ESC
        // dispatch, which stops there.
        self.stop = bell_terminated;
    }

    fn csi_dispatch(&mut self, params: &Params, intermediates: &[u8], ignore: bool, action: char) {
        self.csi(&Args::from_vte(params), intermediates, ignore, action);
        self.stop = true;
    }

    #[inline(always)]
    fn terminated(&self) -> bool {
        self.stop
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        self.stop = true;
        if ignore {
            return;
        }
        match (intermediates, byte) {
            ([], b'7') => self.save_cursor(),
            ([], b'8') => self.restore_cursor(),
            ([b'#'], b'8') => self.alignment_test(),
            ([], b'c') => self.full_reset(),
            ([], b'D') => {
                self.cursor.pending_wrap = false;
                self.index()
            }
            ([], b'E') => {
                self.carriage_return();
                self.index();
            }
            ([], b'H') => self.set_tab(),
            ([], b'M') => self.reverse_index(),
            ([], b'=') => self.modes.keypad_app = true,
            ([], b'>') => self.modes.keypad_app = false,
            ([], b'n') => self.charsets.gl = 2,
            ([], b'o') => self.charsets.gl = 3,
            ([i @ (b'(' | b')' | b'*' | b'+')], f) => {
                if let Some(cs) = Charset::from_final(f) {
                    self.charsets.g[(*i - b'(') as usize] = cs;
                }
            }
            _ => {}
        }
    }
}
