// @ts-check
// The room picker at "/": checks the name as the room does, then opens the canonical room URL.
import { parseRoomName } from '../chat/rules.js';
import { showFieldError, ui } from './elements.js';

/** Shows the picker, with `error` under the field (for a bad room link, say). */
export function showPicker(error = '') {
  ui.picker.hidden = false;
  showFieldError(ui.roomName, ui.roomError, error);
  ui.roomForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = parseRoomName(ui.roomName.value.trim());
    if (room) location.assign(`/room/${room}`);
    else
      showFieldError(
        ui.roomName,
        ui.roomError,
        'Use 1–64 letters, digits, “-” or “_”, starting with a letter or digit.',
      );
  });
}
