import { Router } from 'express';
import { allowPopups, referrerForGoogle } from '../../http/security-headers.js';
import { loginPage, SIGN_IN_FAILED_PATH, signInFailedPage, type PageDeps } from './pages.js';

/**
 * The pages a browser opens: the sign-in page, and where a failed redirect sign-in lands. The
 * home page (`/`) is the host's; the standalone server adds gconnect's (see homePage).
 */
export function pagesRouter(deps: PageDeps): Router {
  const router = Router();
  // The code client's and the button's popups must keep their opener (see allowPopups); Google's
  // script must see the page's origin (see referrerForGoogle).
  router.get('/login', allowPopups, referrerForGoogle, loginPage(deps));
  router.get(SIGN_IN_FAILED_PATH, signInFailedPage(deps.allowedDomains));
  return router;
}
