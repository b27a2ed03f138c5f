import { Router } from 'express';
import { allowPopups } from '../http/security-headers.js';
import {
  homePage,
  loginPage,
  SIGN_IN_FAILED_PATH,
  signInFailedPage,
  type PageDeps,
} from '../routes/pages.js';

/** The pages a browser opens: home, the sign-in page, and where a failed redirect sign-in lands. */
export function pagesRouter(deps: PageDeps): Router {
  const router = Router();
  router.get('/', homePage(deps));
  // The code client's and the button's popups must keep their opener (see allowPopups).
  router.get('/login', allowPopups, loginPage(deps));
  router.get(SIGN_IN_FAILED_PATH, signInFailedPage(deps.allowedDomains));
  return router;
}
